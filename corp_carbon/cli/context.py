"""What the database commands share: the app's state once the schema is current, and who acts."""

from __future__ import annotations

import getpass

import click
from flask import current_app

from corp_carbon.cli import EXIT_DATABASE_UNAVAILABLE
from corp_carbon.domain.people import Actor
from corp_carbon.services import health, outage
from corp_carbon.web.state import EXTENSION_KEY, CarbonState


class DatabaseUnavailable(click.ClickException):
    """The database stopped answering between the app's start and the command's work."""

    exit_code = EXIT_DATABASE_UNAVAILABLE


def app_state() -> CarbonState:
    """The app's state, after checking that the database schema is current."""
    state: CarbonState = current_app.extensions[EXTENSION_KEY]
    result = health.check(state.engine)
    if result.database != "ok":
        raise DatabaseUnavailable(
            f"database {result.database} ({outage.where(state.settings.database_url)}): check "
            "that the database server is running and reachable from this host, then run the "
            "command again"
        )
    if not result.ok:
        raise click.ClickException(
            f"database {result.database}, schema {result.schema}: run 'corp-carbon db upgrade'"
        )
    return state


def started_by() -> str:
    """The operator, as import runs and the audit log record them."""
    return f"cli:{getpass.getuser()}"


def cli_actor() -> Actor:
    return Actor(label=started_by())
