"""The ``corp-carbon`` command: a Flask CLI group whose commands parse options and call services."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from corp_carbon.config import ConfigError, load_settings
from corp_carbon.db import migrate
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services import health
from corp_carbon.web.state import EXTENSION_KEY, CarbonState


def _create_app() -> Flask:
    from corp_carbon.app import create_app

    return create_app()


def _state() -> CarbonState:
    """The app's state, after checking that the database schema is current."""
    state: CarbonState = current_app.extensions[EXTENSION_KEY]
    result = health.check(state.engine)
    if not result.ok:
        raise click.ClickException(
            f"database {result.database}, schema {result.schema}: run 'corp-carbon db upgrade'"
        )
    return state


def _cli_actor() -> Actor:
    return Actor(label=f"cli:{getpass.getuser()}")


class CarbonGroup(FlaskGroup):
    """Flask's CLI group minus what confuses operators: --app, --env-file, loading on --help."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            create_app=_create_app, add_version_option=False, load_dotenv=False, **kwargs
        )
        self.params = [p for p in self.params if p.name not in ("app", "env_file")]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return click.Group.get_command(self, ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return click.Group.list_commands(self, ctx)


@click.group(cls=CarbonGroup)
@click.version_option(package_name="corp-carbon", prog_name="corp-carbon")
def cli() -> None:
    """corp-carbon: employee carbon accounts for commuting and business travel.

    Configuration comes from the TOML file named by CORP_CARBON_CONFIG and from
    CORP_CARBON_<SECTION>_<KEY> environment variables (see config.example.toml).
    """


# --- database -------------------------------------------------------------------------------


@cli.group(cls=click.Group)
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


# --- employees ------------------------------------------------------------------------------


@cli.group(cls=click.Group)
def employees() -> None:
    """Employees (SSO and SCIM create them too)."""


@employees.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--employee-number", default=None)
@click.option("--department", default=None)
@click.option("--office", default=None)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    help="Extra role; repeat for several. Everyone has 'employee'.",
)
@with_appcontext
def employees_add(
    email: str,
    name: str,
    employee_number: str | None,
    department: str | None,
    office: str | None,
    roles: tuple[str, ...],
) -> None:
    """Create an employee, e.g. the first administrator before SSO is configured."""
    from corp_carbon.services.people.employees import add_employee

    try:
        profile = add_employee(
            _state().uow(),
            _cli_actor(),
            email=email,
            name=name,
            employee_number=employee_number,
            department=department,
            office=office,
            roles=roles,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"created employee {profile.id}: {profile.name} <{profile.email}> "
        f"roles: {', '.join(r.value for r in profile.roles)}"
    )
    from corp_carbon.services.imports.pending import replay_pending

    replayed = replay_pending(_state().uow(), _state().settings)
    if replayed:
        click.echo(f"imported {replayed} bookings that were waiting for their employee")


@employees.command("list")
@click.option("--search", default="", help="Part of a name, email or department.")
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def employees_list(search: str, limit: int) -> None:
    """List active employees."""
    from corp_carbon.db.queries import list_profiles

    with _state().uow() as uow:
        people = list_profiles(uow.session, search=search, limit=limit)
    for p in people:
        roles = ",".join(r.value for r in p.roles)
        click.echo(f"{p.id:>6}  {p.email:<40} {p.name:<30} {p.department or '-':<16} {roles}")
    if not people:
        click.echo("no employees found")


def _register_more_commands() -> None:
    from corp_carbon.cli.imports import import_command
    from corp_carbon.cli.tokens import tokens

    cli.add_command(tokens)
    cli.add_command(import_command)


_register_more_commands()


# --- points -------------------------------------------------------------------------------------


@cli.group(cls=click.Group)
def points() -> None:
    """The points ledger: assess and credit trips, adjust, expire."""


@points.command("earn")
@with_appcontext
def points_earn() -> None:
    """Assess new activities and credit their points (reversing undone trips' points)."""
    from corp_carbon.services.ledger.earnings import post_earnings
    from corp_carbon.services.scoring.assessments import assess_activities

    state = _state()
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
    import uuid

    from corp_carbon.services.ledger import adjustments

    try:
        posted = adjustments.adjust(
            _state().uow(),
            _cli_actor(),
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
    from datetime import date

    from corp_carbon.services.ledger import expiry

    state = _state()
    months = state.settings.ledger.expiry_months
    if months <= 0:
        click.echo("points never expire here ([ledger] expiry_months = 0)")
        return
    day = date.fromisoformat(as_of) if as_of else date.today()
    run = expiry.expire_points(state.uow(), as_of=day, months=months)
    click.echo(f"expired {run.points:,} points on {run.accounts} accounts")


# --- rewards ------------------------------------------------------------------------------------


@cli.group(cls=click.Group)
def rewards() -> None:
    """The rewards catalogue."""


@rewards.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def rewards_import(path: Path) -> None:
    """Add the rewards of a CSV file; a bad row names file, row and field, and adds nothing."""
    from corp_carbon.services.rewards import catalogue as rewards_service

    try:
        added = rewards_service.import_rewards_csv(_state().uow(), _cli_actor(), path)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"added {len(added)} reward(s) from {path}")
    for reward in added:
        click.echo(f"  {reward.id:>4}  {reward.name}  ({reward.cost_points:,} points)")


# --- estimates ------------------------------------------------------------------------------


def _estimate_context() -> tuple[Any, Any]:
    from corp_carbon.catalogue import catalogue_for, methodology_from_settings

    settings = load_settings()
    return methodology_from_settings(settings), catalogue_for(settings)


@cli.command("estimate", with_appcontext=False)
@click.option("--mode", required=True, help="air, rail, subway, tram, bus, coach, taxi, car, ...")
@click.option("--from", "origin", default=None, help="IATA/ICAO code or place name.")
@click.option("--to", "destination", default=None, help="IATA/ICAO code or place name.")
@click.option("--distance-km", default=None, help="Distance, when no places are given.")
@click.option("--cabin", default=None, help="economy, premium_economy, business, first.")
@click.option("--fuel", default=None, help="petrol, diesel, hybrid, phev, bev, unknown.")
@click.option("--size", default=None, help="small, medium, large, average.")
@click.option(
    "--kind", default="business_travel", show_default=True, help="business_travel or commute."
)
@click.option("--occupants", default=1, show_default=True, type=int, help="People sharing a car.")
@click.option("--nights", default=None, type=int, help="Room-nights, for --mode hotel.")
@click.option("--year", default=None, type=int, help="Year of travel (chooses the factor set).")
@click.option("--factor-set", default=None, help="e.g. desnz-2024, desnz-2025, epa-2025.")
@click.option(
    "--rf/--no-rf", "radiative_forcing", default=None, help="Radiative forcing for flights."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def estimate_command(
    mode: str,
    origin: str | None,
    destination: str | None,
    distance_km: str | None,
    cabin: str | None,
    fuel: str | None,
    size: str | None,
    kind: str,
    occupants: int,
    nights: int | None,
    year: int | None,
    factor_set: str | None,
    radiative_forcing: bool | None,
    as_json: bool,
) -> None:
    """Emissions and points of one hypothetical trip, with the full explanation."""
    from corp_carbon.domain.scoring.explain import explain
    from corp_carbon.services.scoring.estimates import TripQuery, estimate, to_json

    methodology, catalogue = _estimate_context()
    query = TripQuery(
        mode=mode,
        origin=origin,
        destination=destination,
        distance_km=distance_km,
        cabin=cabin,
        fuel=fuel,
        size=size,
        kind=kind,
        occupants=occupants,
        nights=nights,
        year=year,
    )
    try:
        result = estimate(
            query,
            methodology,
            catalogue,
            factor_set=factor_set,
            radiative_forcing=radiative_forcing,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(json.dumps(to_json(result), ensure_ascii=False))
        return
    click.echo(result.summary())
    for number, step in enumerate(explain(result), start=1):
        click.echo(f"  {number:>2}. {step['text']}")


@cli.command("compare", with_appcontext=False)
@click.option("--from", "origin", required=True, help="IATA/ICAO code or place name.")
@click.option("--to", "destination", required=True, help="IATA/ICAO code or place name.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def compare_command(origin: str, destination: str, as_json: bool) -> None:
    """Every sensible way to make a trip, lowest emissions first: compare before you book."""
    from corp_carbon.domain.vocabulary import Mode
    from corp_carbon.services.scoring.estimates import compare, ends, to_json

    methodology, catalogue = _estimate_context()
    try:
        options = compare(origin, destination, methodology, catalogue)
        notes = ends(origin, destination, Mode.RAIL)[2]  # how the names were read
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        payload = {
            "from": origin,
            "to": destination,
            "notes": list(notes),
            "options": [to_json(o) for o in options],
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    rows = [to_json(o) for o in options]
    click.echo(f"{origin} -> {destination}  ({rows[0]['factor_set'] if rows else '-'})")
    for note in notes:
        click.echo(f"  note: {note}")
    click.echo(f"  {'option':<26}{'km':>10}{'kg CO2e':>12}{'points':>12}  baseline")
    for row in rows:
        click.echo(
            f"  {row['option']:<26}{row['distance_km']:>10,.0f}{row['kg_co2e']:>12,.3f}"
            f"{row['points']:>12,}  {row['baseline_description'] or '-'}"
        )


# --- demo -----------------------------------------------------------------------------------


@cli.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("instance/demo.sqlite"),
    show_default=True,
    help="SQLite file to (re)create.",
)
@click.option("--employees", "employee_count", default=200, show_default=True, type=int)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Create the database and exit.")
def demo(
    host: str, port: int, database: Path, employee_count: int, seed: int, no_serve: bool
) -> None:
    """Create a fresh SQLite demo database with a year of data; serve it with a dev login."""
    from corp_carbon.demo.setup import build_demo_database, demo_settings, describe

    database = database.resolve()
    settings = demo_settings(database)
    summary = build_demo_database(settings, seed=seed, employees=employee_count)
    click.echo(describe(summary, database))
    if no_serve:
        return
    from corp_carbon.app import create_app

    app = create_app(settings)
    if settings.scheduler.enabled_in_demo:  # CORP_CARBON_SCHEDULER_ENABLED_IN_DEMO=true
        from corp_carbon.jobs.scheduler import start_in_process

        start_in_process(settings)
        click.echo("  the scheduler runs in this process (scheduler.enabled_in_demo)")
    click.echo(
        f"\n  corp-carbon demo: http://{host}:{port}/  (pick a user on the development login)\n"
    )
    # app.run() refuses to start under the flask CLI; the server it would use is run_simple.
    run_simple(host, port, app, use_reloader=False, threaded=True)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: configuration problems end in one line on stderr, never a traceback."""
    try:
        return cli.main(args=argv, prog_name="corp-carbon")
    except ConfigError as exc:
        click.echo(f"corp-carbon: configuration error: {exc}", err=True)
        sys.exit(2)


# --- scheduler and sources (commands in corp_carbon/cli/scheduler.py) ---------------------------
from corp_carbon.cli.scheduler import scheduler_command, sources  # noqa: E402

cli.add_command(scheduler_command)
cli.add_command(sources)
