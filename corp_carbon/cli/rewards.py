"""``corp-carbon rewards``: fill the rewards catalogue from a CSV file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from corp_carbon.cli.context import app_state, cli_actor
from corp_carbon.domain.errors import DomainError


@click.group(cls=click.Group)
def rewards() -> None:
    """The rewards catalogue."""


@rewards.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def rewards_import(path: Path) -> None:
    """Add the rewards of a CSV file; a bad row names file, row and field, and adds nothing."""
    from corp_carbon.services.rewards import catalogue as rewards_service

    try:
        added = rewards_service.import_rewards_csv(app_state().uow(), cli_actor(), path)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"added {len(added)} reward(s) from {path}")
    for reward in added:
        click.echo(f"  {reward.id:>4}  {reward.name}  ({reward.cost_points:,} points)")
