"""``corp-carbon overview``: the company overview's figures computed ahead, refreshed now."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from corp_carbon.cli.context import app_state
from corp_carbon.domain.errors import DomainError


@click.group(cls=click.Group)
def overview() -> None:
    """The company overview's figures (/admin), computed ahead: refresh them now.

    The scheduler refreshes them every [reports] overview_refresh_minutes; these commands
    do it now, e.g. after a large import or a methodology change.
    """


@overview.command("refresh")
@click.option("--from", "date_from", metavar="DATE", help="First day of one period (YYYY-MM-DD).")
@click.option("--to", "date_to", metavar="DATE", help="Last day of that period (YYYY-MM-DD).")
@with_appcontext
def overview_refresh(date_from: str | None, date_to: str | None) -> None:
    """Compute the overview's figures now and store them: the page's preset periods (this
    month, last 12 months, this year, last year), or the one period --from/--to.

    Prints each period, its activities and how long it took. Figures are read from
    [database] report_url when set, and stored in the main database.
    """
    from corp_carbon.db.types import utcnow
    from corp_carbon.domain.periods import chosen_period
    from corp_carbon.services.reports import overview_snapshots as snapshots

    state = app_state()
    if date_from is None and date_to is None:
        refreshed = snapshots.refresh_presets(state.uow, state.report_uow, state.settings)
    else:
        try:
            period = chosen_period(date_from, date_to, None, utcnow().date())
        except DomainError as exc:
            raise click.UsageError(exc.message) from None
        started = time.monotonic()
        stored = snapshots.compute_and_store(state.uow, state.report_uow, state.settings, period)
        refreshed = [snapshots.Refreshed("period", period, stored, time.monotonic() - started)]
    for done in refreshed:
        period = done.period
        if done.snapshot is None:
            since = f" since {done.busy_since:%Y-%m-%d %H:%M} UTC" if done.busy_since else ""
            click.echo(
                f"{done.preset:<15} {period.first} to {period.last}  being computed by "
                f"another process{since}: left to it"
            )
            continue
        activities = done.snapshot.figures.summaries[0].total.activities
        click.echo(
            f"{done.preset:<15} {period.first} to {period.last}  {activities:>12,} activities  "
            f"{done.seconds:>7.1f} s"
        )
    click.echo("The overview (/admin) shows these figures now.")
