"""``corp-carbon employees``: add the first administrator before SSO, list who is there, set
travel-policy grades from the HR system's file, erase a person's data."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from corp_carbon.cli.context import app_state, cli_actor
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import Role


@click.group(cls=click.Group)
def employees() -> None:
    """Employees (SSO and SCIM create them too)."""


@employees.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--employee-number", default=None)
@click.option("--department", default=None)
@click.option("--office", default=None)
@click.option("--grade", default=None, help="Travel-policy grade or band, e.g. 'director'.")
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
    grade: str | None,
    roles: tuple[str, ...],
) -> None:
    """Create an employee, e.g. the first administrator before SSO is configured."""
    from corp_carbon.services.imports.pending import replay_pending
    from corp_carbon.services.people.employees import add_employee

    try:
        profile = add_employee(
            app_state().uow(),
            cli_actor(),
            email=email,
            name=name,
            employee_number=employee_number,
            department=department,
            office=office,
            roles=roles,
            grade=grade,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"created employee {profile.id}: {profile.name} <{profile.email}> "
        f"roles: {', '.join(r.value for r in profile.roles)}"
    )
    replayed = replay_pending(app_state().uow(), app_state().settings)
    if replayed:
        click.echo(f"imported {replayed} bookings that were waiting for their employee")


@employees.command("list")
@click.option("--search", default="", help="Part of a name, email or department.")
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def employees_list(search: str, limit: int) -> None:
    """List active employees."""
    from corp_carbon.db.queries import list_profiles

    with app_state().uow() as uow:
        people = list_profiles(uow.session, search=search, limit=limit)
    for p in people:
        roles = ",".join(r.value for r in p.roles)
        click.echo(f"{p.id:>6}  {p.email:<40} {p.name:<30} {p.department or '-':<16} {roles}")
    if not people:
        click.echo("no employees found")


@employees.command("grades")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and count; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def employees_grades(path: Path, dry_run: bool, as_json: bool) -> None:
    """Set travel-policy grades from a CSV file (UTF-8) with the columns employee_number or
    email, and grade (empty clears it). All or nothing: a wrong row stores nothing and is
    named with its row and field; exit status 1 then."""
    from corp_carbon.services.people.grades import import_grades

    try:
        result = import_grades(app_state().uow(), cli_actor(), path, dry_run=dry_run)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
    elif result.problems:
        click.echo(result.describe_problems(), err=True)
    else:
        verb = "would change" if dry_run else "changed"
        click.echo(
            f"{path.name}: {verb} {result.changed} grade(s); {result.unchanged} row(s) unchanged"
        )
    if result.problems:
        raise SystemExit(1)


ERASE_EXPLAINED = (
    "Erasing removes {who}'s personal data: name, email, employee number, the link to their "
    "company sign-in, API tokens, roles, evidence photos, notes on trips and redemptions, "
    "import records that waited for them, and their name, email and numbers wherever the "
    "audit log or a memo of their points named them. Their trips, assessments and points "
    "stay under their pseudonymous report key, so every report adds up as before. The "
    "account is switched off. This cannot be undone."
)


@employees.command("erase")
@click.option("--email", required=True, help="The email of the employee to erase.")
@click.option("--reason", default=None, help="Why, for the record (default: an operator erased).")
@click.option("--yes", "confirmed", is_flag=True, help="Erase without asking: required.")
@with_appcontext
def employees_erase(email: str, reason: str | None, confirmed: bool) -> None:
    """Erase an employee's personal data now (as HR's "Confirm and erase now" does).

    Closes their waiting erasure request, or records one for the command. Without --yes it
    only explains what would happen (exit status 1).
    """
    from corp_carbon.services.people import erase

    state = app_state()
    try:
        employee_id, name = erase.find_by_email(state.uow(), email)
        who = f"{name} (employee {employee_id})"
        if not confirmed:
            click.echo(ERASE_EXPLAINED.format(who=who))
            raise click.ClickException("nothing was erased: add --yes to erase")
        done = erase.erase_employee(
            state.uow(), state.settings, cli_actor(), employee_id, trigger="operator",
            reason=reason,
        )  # fmt: skip
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    counts = done.counts
    click.echo(
        f"erased employee {done.employee_id} (request {done.request_id}): now {done.name!r}; "
        f"{counts.get('trips_kept', 0)} trips kept; {counts.get('api_tokens', 0)} API tokens "
        f"and {counts.get('evidence_photos', 0)} evidence photos removed; "
        f"{counts.get('audit_log_redacted', 0)} audit entries rewritten"
    )
    if done.photos_left:
        click.echo(
            f"{done.photos_left} photo files could not be deleted now; the daily retention "
            "job deletes them",
            err=True,
        )
