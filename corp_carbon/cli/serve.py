"""``corp-carbon serve``: the production server, gunicorn with sync workers, in one command.

The configuration, the secrets and the database are checked once, in this process, before
gunicorn starts, so a problem is one line and exit status 2 rather than every worker failing
to boot with a traceback. Each worker then builds its own app (own engine and pool: nothing
is shared across the fork).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from corp_carbon.config import Settings

log = logging.getLogger("corp_carbon.server")
INSTALL_HINT = "pip install 'corp-carbon[production]'"


@click.command("serve")
@click.option(
    "--bind",
    "-b",
    "binds",
    multiple=True,
    metavar="ADDRESS",
    help="Listen on HOST:PORT or unix:PATH instead of [server] bind (repeat for several).",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(1, 256),
    default=None,
    help="Worker processes instead of [server] workers (default: 2 x CPU cores + 1).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Check the configuration and the database, say how gunicorn would run, and exit.",
)
def serve_command(binds: tuple[str, ...], workers: int | None, check: bool) -> None:
    """Serve the app in production with gunicorn until SIGTERM (requests in flight finish).

    Settings: [server] in the config file (bind, workers, timeouts, the proxies trusted for
    X-Forwarded-Proto). It refuses a development login, a mode other than production and
    guessable secrets. 'corp-carbon run' stays the development server.

    \b
    Example:
      CORP_CARBON_CONFIG=/etc/corp-carbon.toml corp-carbon serve --bind 0.0.0.0:8000
    """
    try:
        from corp_carbon.cli import gunicorn_server
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "gunicorn":
            raise
        raise click.ClickException(f"gunicorn is not installed: {INSTALL_HINT}") from None
    from corp_carbon.config import check_serving, load_settings
    from corp_carbon.logging_setup import configure_logging

    settings = load_settings()
    check_serving(settings)
    configure_logging(settings, own_root=True)
    _check_database(settings)
    options = gunicorn_server.options(settings, list(binds), workers)
    if check:
        click.echo("configuration and database: ok")
        click.echo(f"gunicorn would run: {describe(options)}")
        return
    if settings.database_url.startswith("sqlite"):
        log.warning(
            "serving SQLite (%s): one host only, writers wait for each other; production "
            "runs on PostgreSQL ([database] url)",
            settings.database_url.removeprefix("sqlite:///"),
        )
    if settings.limits.enabled and settings.limits.storage_uri.startswith("memory:"):
        log.warning(
            "[limits] storage_uri %s: each of the %d workers counts requests on its own, so a "
            "limit allows up to %d times as many; share the counts through redis:// or "
            "memcached://",
            settings.limits.storage_uri,
            options["workers"],
            options["workers"],
        )
    log.info("corp-carbon serve: gunicorn %s", describe(options))
    gunicorn_server.CarbonServer(settings, options).run()


def _check_database(settings: Settings) -> None:
    """The app starts as a worker would (database, report database, methodology, sign-in),
    and the schema is at the code's head; then its connections are closed before the fork."""
    from corp_carbon.app import create_app
    from corp_carbon.services import health
    from corp_carbon.web.state import EXTENSION_KEY, CarbonState

    state: CarbonState = create_app(settings).extensions[EXTENSION_KEY]
    try:
        result = health.check(state.engine)
    finally:
        state.dispose()
    if not result.ok:
        raise click.ClickException(
            f"database {result.database}, schema {result.schema}: run 'corp-carbon db upgrade'"
        )


def describe(options: dict[str, Any]) -> str:
    """The settings an operator asks about, on one line."""
    shown = {
        "bind": " ".join(options["bind"]),
        "workers": f"{options['workers']} sync",
        "timeout": f"{options['timeout']} s",
        "graceful_timeout": f"{options['graceful_timeout']} s",
        "max_requests": f"{options['max_requests']} (+ up to {options['max_requests_jitter']})",
        "forwarded_allow_ips": options["forwarded_allow_ips"],
        "access_log": "JSON on stdout" if options.get("accesslog") else "off",
    }
    return ", ".join(f"{key} {value}" for key, value in shown.items())
