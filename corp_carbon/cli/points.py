"""``corp-carbon points``: credit assessed trips, correct a balance by hand, expire old points,
simulate a points policy on a past period."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from corp_carbon.cli.context import app_state, cli_actor
from corp_carbon.domain.errors import DomainError

if TYPE_CHECKING:
    from corp_carbon.config import Settings
    from corp_carbon.services.scoring.simulation import PolicyChoice


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
    """Correct an employee's balance by hand (HR), with a mandatory reason. More than
    [ledger] second_person_above points wait for a second person: points approve ID."""
    from corp_carbon.services.ledger import adjustment_requests

    state = app_state()
    try:
        outcome = adjustment_requests.request_adjustment(
            state.uow(),
            state.settings,
            cli_actor(),
            employee=employee,
            points=amount,
            reason=reason,
            request_key=request_key or uuid.uuid4().hex,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if outcome.waiting is not None:
        limit = state.settings.ledger.second_person_above
        click.echo(
            f"request {outcome.waiting.id}: {amount:+,} points for {employee} wait for a second "
            f"person (more than {limit:,}, [ledger] second_person_above); nothing is posted. "
            f"Another HR administrator runs: corp-carbon points approve {outcome.waiting.id}"
        )
        return
    assert outcome.posted is not None
    done = "posted" if outcome.posted.created else "already posted earlier (nothing written)"
    click.echo(
        f"transaction {outcome.posted.transaction_id}: {amount:+,} points for {employee}, {done}"
    )


@points.command("waiting")
@with_appcontext
def points_waiting() -> None:
    """Adjustments waiting for a second person, oldest first."""
    from corp_carbon.services.ledger import adjustment_requests

    views = adjustment_requests.waiting_requests(app_state().uow(), cli_actor())
    if not views:
        click.echo("no adjustment is waiting for a second person")
    for view in views:
        click.echo(
            f"request {view.id}: {view.points:+,} points for {view.employee}, asked by "
            f"{view.requested_by} on {view.requested_at:%Y-%m-%d %H:%M} UTC: {view.reason}"
        )


@points.command("approve")
@click.argument("request_id", type=int)
@with_appcontext
def points_approve(request_id: int) -> None:
    """Approve a waiting adjustment as a second person: it is posted."""
    _decide(request_id, approve=True, note="")


@points.command("reject")
@click.argument("request_id", type=int)
@click.option("--note", required=True, help="Why; kept with the request and audited.")
@with_appcontext
def points_reject(request_id: int, note: str) -> None:
    """Reject a waiting adjustment as a second person: nothing is posted."""
    _decide(request_id, approve=False, note=note)


def _decide(request_id: int, *, approve: bool, note: str) -> None:
    from corp_carbon.services.ledger import adjustment_requests

    try:
        view = adjustment_requests.decide(
            app_state().uow(), cli_actor(), request_id, approve=approve, note=note
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if approve:
        click.echo(
            f"request {view.id} approved: transaction {view.transaction_id}, "
            f"{view.points:+,} points for {view.employee}"
        )
    else:
        click.echo(f"request {view.id} rejected: nothing posted for {view.employee}")


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


@points.command("simulate")
@click.option(
    "--policy",
    "policy",
    default=None,
    metavar="FILE|ID",
    help="A points-policy file (TOML, as catalogue/points_policies/balanced-2026.toml) or a "
    "points rule by id (a catalogue policy, avoided_grams, a rate card). Default: the "
    "current methodology's policy.",
)
@click.option(
    "--compare",
    "compare",
    default=None,
    metavar="FILE|ID",
    help="A second policy (file or id) shown side by side with the first.",
)
@click.option("--from", "date_from", required=True, metavar="YYYY-MM-DD", help="First day.")
@click.option("--to", "date_to", required=True, metavar="YYYY-MM-DD", help="Last day.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a table.")
@with_appcontext
def points_simulate(
    policy: str | None, compare: str | None, date_from: str, date_to: str, as_json: bool
) -> None:
    """What a points policy would have issued over a past period, and to whom.

    The period's confirmed trips are scored again in memory under the current methodology
    with the policy: nothing is written and no points are issued. Shows the points and
    their money value, by behaviour and department, the share of the top tenth of earners,
    the median and maximum per employee, the cost per tonne avoided, and what the caps cut.

    \b
    Example:
      corp-carbon points simulate --from 2026-01-01 --to 2026-12-31 --compare avoided_grams
    """
    import json

    from corp_carbon.cli.simulation_text import simulation_text
    from corp_carbon.domain.dates import parse_day
    from corp_carbon.services.scoring import simulation

    state = app_state()
    try:
        first = parse_day("--from", date_from)
        last = parse_day("--to", date_to)
        if first is None or last is None:
            raise DomainError("--from and --to: give both days as YYYY-MM-DD")
        choices = [
            _policy_choice(state.settings, text, option)
            for text, option in ((policy, "--policy"), (compare, "--compare"))
            if text is not None or option == "--policy"
        ]
        results = simulation.simulate_policies(state.uow(), state.settings, first, last, choices)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        data = (
            {"policies": [r.to_json() for r in results]}
            if len(results) > 1
            else results[0].to_json()
        )
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(simulation_text(results))


def _policy_choice(settings: Settings, text: str | None, option: str) -> PolicyChoice | None:
    """A policy file, or a rule by id; None: the current policy."""
    from corp_carbon.services.scoring import simulation

    if text is None:
        return None
    path = Path(text)
    try:
        if path.is_file():
            return simulation.policy_from_file(path)
        if path.suffix.lower() == ".toml" or "/" in text:
            raise DomainError(f"{text}: no such file")
        return simulation.named_policy(settings, text)
    except DomainError as exc:
        raise DomainError(f"{option}: {exc.message}") from None
