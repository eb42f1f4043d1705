"""``corp-carbon points``: credit assessed trips, correct a balance by hand, expire old points."""

from __future__ import annotations

import uuid
from datetime import date

import click
from flask.cli import with_appcontext

from corp_carbon.cli.context import app_state, cli_actor
from corp_carbon.domain.errors import DomainError


@click.group(cls=click.Group)
def points() -> None:
    """The points ledger: assess and credit trips, adjust, expire."""


@points.command("earn")
@with_appcontext
def points_earn() -> None:
    """Assess new activities and credit their points (reversing undone trips' points)."""
    from corp_carbon.services.ledger.earnings import post_earnings
    from corp_carbon.services.scoring.assessments import assess_activities

    state = app_state()
    run = assess_activities(state.uow(), state.settings)
    result = post_earnings(state.uow(), state.settings)
    click.echo(
        f"assessed {run.assessed} activities ({run.skipped} could not be assessed); "
        f"credited {result.earned} ({result.points:,} points), {result.capped} over a cap, "
        f"reversed {result.reversed}"
    )
    for activity_id, problem in list(run.problems.items())[:20]:
        click.echo(f"  activity {activity_id}: {problem}", err=True)


@points.command("adjust")
@click.option("--employee", required=True, help="Email or employee number.")
@click.option(
    "--points", "amount", required=True, type=int, help="Positive credits, negative debits."
)
@click.option(
    "--reason", required=True, help="Why; kept with the transaction and in the audit log."
)
@click.option("--request-key", default=None, help="Idempotency key (default: a new one).")
@with_appcontext
def points_adjust(employee: str, amount: int, reason: str, request_key: str | None) -> None:
    """Correct an employee's balance by hand (HR), with a mandatory reason."""
    from corp_carbon.services.ledger import adjustments

    try:
        posted = adjustments.adjust(
            app_state().uow(),
            cli_actor(),
            employee=employee,
            points=amount,
            reason=reason,
            request_key=request_key or uuid.uuid4().hex,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    state = "posted" if posted.created else "already posted earlier (nothing written)"
    click.echo(f"transaction {posted.transaction_id}: {amount:+,} points for {employee}, {state}")


@points.command("expire")
@click.option("--as-of", "as_of", default=None, help="Date (YYYY-MM-DD); default today.")
@with_appcontext
def points_expire(as_of: str | None) -> None:
    """Expire points older than [ledger] expiry_months, first in first out."""
    from corp_carbon.services.ledger import expiry

    state = app_state()
    months = state.settings.ledger.expiry_months
    if months <= 0:
        click.echo("points never expire here ([ledger] expiry_months = 0)")
        return
    day = date.fromisoformat(as_of) if as_of else date.today()
    run = expiry.expire_points(state.uow(), as_of=day, months=months)
    click.echo(f"expired {run.points:,} points on {run.accounts} accounts")
