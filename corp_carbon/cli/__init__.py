"""The ``corp-carbon`` command: one group, one module per command group, loaded when invoked.

``COMMANDS`` is the only place a command is registered. ``--help`` lists it from the table
(name, where it lives, its one-line help) without importing it, so the CLI parses its
arguments before it loads the web app, the database layer or the scoring data; a command's
module is imported only when that command runs.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, NamedTuple

import click
from flask import Flask
from flask.cli import FlaskGroup


class LazyCommand(NamedTuple):
    """Where a command lives ("module:attribute") and its help's first line, for --help."""

    target: str
    short_help: str


COMMANDS: dict[str, LazyCommand] = {
    "compare": LazyCommand(
        "corp_carbon.cli.estimates:compare_command",
        "Every sensible way to make a trip, lowest emissions first: compare before you book.",
    ),
    "db": LazyCommand("corp_carbon.cli.db:db", "Database schema migrations (Alembic)."),
    "demo": LazyCommand(
        "corp_carbon.cli.demo:demo",
        "Create a fresh SQLite demo database with a year of data; serve it with a dev login.",
    ),
    "employees": LazyCommand(
        "corp_carbon.cli.employees:employees", "Employees (SSO and SCIM create them too)."
    ),
    "estimate": LazyCommand(
        "corp_carbon.cli.estimates:estimate_command",
        "Emissions and points of one hypothetical trip, with the full explanation.",
    ),
    "import": LazyCommand(
        "corp_carbon.cli.imports:import_command",
        "Import one booking export FILE; prints the counts and every row problem.",
    ),
    "imports": LazyCommand(
        "corp_carbon.cli.imports:imports",
        "Import runs: the latest, and the runs a database outage left running.",
    ),
    "overview": LazyCommand(
        "corp_carbon.cli.overview:overview",
        "The company overview's figures (/admin), computed ahead: refresh them now.",
    ),
    "points": LazyCommand(
        "corp_carbon.cli.points:points",
        "The points ledger: assess and credit trips, adjust, expire.",
    ),
    "report": LazyCommand(
        "corp_carbon.cli.reports:report_command",
        "The ESG workbook of a period (Scope 3 categories 6 and 7), or its CSV or JSON.",
    ),
    "rewards": LazyCommand("corp_carbon.cli.rewards:rewards", "The rewards catalogue."),
    "scheduler": LazyCommand(
        "corp_carbon.cli.scheduler:scheduler_command",
        "Run the scheduled jobs until SIGTERM or Ctrl-C.",
    ),
    "serve": LazyCommand(
        "corp_carbon.cli.serve:serve_command",
        "Serve the app in production with gunicorn until SIGTERM (requests in flight finish).",
    ),
    "sources": LazyCommand(
        "corp_carbon.cli.scheduler:sources",
        "Sources of booking exports pulled on a schedule ([[sources]] in the config file).",
    ),
    "tokens": LazyCommand(
        "corp_carbon.cli.tokens:tokens",
        "API tokens: random, shown once, stored hashed; each acts as one employee with one role.",
    ),
}


def load_command(name: str) -> click.Command:
    """Imports the module of the command ``name`` (a key of COMMANDS) and returns the command."""
    module_name, attribute = COMMANDS[name].target.split(":")
    command: click.Command = getattr(importlib.import_module(module_name), attribute)
    return command


def _create_app() -> Flask:
    from corp_carbon.app import create_app

    return create_app()


class CarbonGroup(FlaskGroup):
    """Flask's CLI group (run, shell, routes, --debug) with corp-carbon's commands loaded lazily,
    minus what confuses operators: --app, --env-file, loading the app on --help."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            create_app=_create_app, add_version_option=False, load_dotenv=False, **kwargs
        )
        self.params = [p for p in self.params if p.name not in ("app", "env_file")]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            return load_command(name)
        return click.Group.get_command(self, ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*click.Group.list_commands(self, ctx), *COMMANDS})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click lists commands, but a lazy command's help comes from the table."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in COMMANDS:
                help_text = click.Command(name, help=COMMANDS[name].short_help)
                rows.append((name, help_text.get_short_help_str(limit)))
            else:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=CarbonGroup)
@click.version_option(package_name="corp-carbon", prog_name="corp-carbon")
def cli() -> None:
    """corp-carbon: employee carbon accounts for commuting and business travel.

    Configuration comes from the TOML file named by CORP_CARBON_CONFIG and from
    CORP_CARBON_<SECTION>_<KEY> environment variables (see config.example.toml).
    """


#: the exit status when the database cannot be reached or went away (sysexits' EX_TEMPFAIL:
#: a temporary failure, worth trying again later).
EXIT_DATABASE_UNAVAILABLE = 75


def main(argv: list[str] | None = None) -> Any:
    """Entry point: configuration problems and a database that went away end in one line on
    stderr, never a traceback."""
    try:
        return cli.main(args=argv, prog_name="corp-carbon")
    except Exception as exc:
        if _is_config_error(exc):
            click.echo(f"corp-carbon: configuration error: {exc}", err=True)
            sys.exit(2)
        line = _outage_line(exc, argv if argv is not None else sys.argv[1:])
        if line is None:
            raise
        click.echo(line, err=True)
        sys.exit(EXIT_DATABASE_UNAVAILABLE)


def _is_config_error(exc: Exception) -> bool:
    """Only a loaded ``corp_carbon.config`` raises ConfigError; importing it up front would
    load pydantic on every ``--help``."""
    error_type = getattr(sys.modules.get("corp_carbon.config"), "ConfigError", None)
    return error_type is not None and isinstance(exc, error_type)


def _outage_line(exc: Exception, argv: list[str]) -> str | None:
    """One line for a database that went away mid-command: the command, the database (host,
    port, never the password), the driver's words, what was left behind, what to check.
    None for any other error. Only a command that loaded SQLAlchemy can meet one."""
    if "sqlalchemy" not in sys.modules:
        return None
    from corp_carbon.config import load_settings
    from corp_carbon.services import outage

    if not outage.is_outage(exc):
        return None
    try:
        url = load_settings().database_url
    except Exception:  # the command ran with these settings; this is belt and braces
        url = None
    command = " ".join(a for a in argv[:2] if not a.startswith("-")) or "command"
    database = outage.where(url) if url else "the database"
    left = f" {exc}." if isinstance(exc, outage.Interrupted) else ""
    return (
        f"corp-carbon {command}: the database went away: "
        f"{outage.reason(exc.__cause__ or exc, url)} ({database}).{left} Check that the "
        "database server is running and reachable from this host, then run the command again."
    )
