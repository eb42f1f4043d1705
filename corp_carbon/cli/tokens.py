"""``corp-carbon tokens``: API tokens for travel systems and scripts (create, list, revoke)."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from corp_carbon.cli.context import app_state, cli_actor
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people import tokens as token_service


@click.group(cls=click.Group)
def tokens() -> None:
    """API tokens: random, shown once, stored hashed; each acts as one employee with one role."""


@tokens.command("create")
@click.option("--employee", required=True, help="Email or employee number of the token's owner.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="What the token may do; the employee must hold this role.",
)
@click.option("--name", default="api token", show_default=True, help="What the token is for.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="Scope such as import or scim; repeat for several.",
)
@click.option(
    "--expires-days",
    default=365,
    show_default=True,
    type=click.IntRange(1, token_service.MAX_EXPIRY_DAYS),
    help="Days until the token stops working.",
)
@click.option("--no-expiry", is_flag=True, help="The token works until it is revoked.")
@with_appcontext
def tokens_create(
    employee: str,
    role: str,
    name: str,
    scopes: tuple[str, ...],
    expires_days: int,
    no_expiry: bool,
) -> None:
    """Create a token and print it once (on stdout; the rest goes to stderr).

    Only the token's SHA-256 is stored: it cannot be shown again, only revoked and replaced.
    """
    try:
        raw_token, info = token_service.create_token(
            app_state().uow(),
            cli_actor(),
            employee=employee,
            role=Role(role),
            name=name,
            scopes=scopes,
            expires_in_days=None if no_expiry else expires_days,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"created API token {info.id} for {info.employee_email}: "
        f"role {info.role.value}, scopes {' '.join(info.scopes) or '-'}, "
        f"expires {_when(info.expires_at, never='never')}",
        err=True,
    )
    click.echo(raw_token)
    click.echo(
        "Copy the token now: it is not shown again (only its hash is stored).",
        err=True,
    )


@tokens.command("list")
@click.option("--employee", default=None, help="Only this employee's tokens (email or number).")
@with_appcontext
def tokens_list(employee: str | None) -> None:
    """List tokens (never the tokens themselves), revoked and expired ones included; UTC times."""
    try:
        with app_state().uow() as uow:
            employee_id = None
            if employee is not None:
                employee_id = token_service.employee_id_for(uow.session, employee)
            rows = token_service.list_tokens(uow.session, employee_id)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if not rows:
        click.echo("no API tokens")
        return
    click.echo(
        f"{'id':>5}  {'employee':<32} {'name':<24} {'role':<14} {'scopes':<16} "
        f"{'created':<16} {'last used':<16} {'expires':<16} revoked"
    )
    for t in rows:
        click.echo(
            f"{t.id:>5}  {t.employee_email:<32} {t.name:<24} {t.role.value:<14} "
            f"{' '.join(t.scopes) or '-':<16} {_when(t.created_at):<16} "
            f"{_when(t.last_used_at, never='never'):<16} "
            f"{_when(t.expires_at, never='never'):<16} {_when(t.revoked_at)}"
        )


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@with_appcontext
def tokens_revoke(token_id: int) -> None:
    """Revoke token ID at once (see `tokens list` for ids)."""
    try:
        info = token_service.revoke_token(app_state().uow(), cli_actor(), token_id)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"revoked API token {info.id} ({info.name}) of {info.employee_email}")


def _when(at: datetime | None, *, never: str = "-") -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at is not None else never
