"""``corp-carbon db``: Alembic migrations of the configured database."""

from __future__ import annotations

import click

from corp_carbon.config import load_settings
from corp_carbon.db import migrate


@click.group(cls=click.Group)
def db() -> None:
    """Database schema migrations (Alembic)."""


def _database_url() -> str:
    return load_settings().database_url


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    migrate.upgrade(_database_url(), revision)
    click.echo(f"database at revision {migrate.current_revision(_database_url())}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. -1, or base for an empty database)."""
    migrate.downgrade(_database_url(), revision)
    click.echo(f"database at revision {migrate.current_revision(_database_url()) or 'base'}")


@db.command("current")
def db_current() -> None:
    """Show the database's revision and the code's head."""
    url = _database_url()
    current, head = migrate.current_revision(url), migrate.head_revision(url)
    state = "up to date" if current == head else "migrations pending: run 'corp-carbon db upgrade'"
    click.echo(f"current: {current or 'base'}  head: {head}  ({state})")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option("--autogenerate/--empty", default=True, show_default=True)
def db_revision(message: str, autogenerate: bool) -> None:
    """Create a migration; with --autogenerate it diffs the models against the database."""
    migrate.revision(_database_url(), message, autogenerate=autogenerate)
