"""``corp-carbon scheduler`` and ``corp-carbon sources``: scheduled pulls and their sources."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import click
from flask.cli import with_appcontext

from corp_carbon.cli.context import app_state, started_by
from corp_carbon.config import load_settings
from corp_carbon.domain.vocabulary import ImportTrigger


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduled jobs until SIGTERM or Ctrl-C.

    Start one or several (they elect a leader; the others stand by and take over when it
    stops). Jobs: the pulls of [[sources]], monthly points expiry, and the replay of imported
    records waiting for their employee. See docs/scheduling.md.
    """
    from corp_carbon.jobs.scheduler import SchedulerService, check_sources
    from corp_carbon.logging_setup import configure_logging
    from corp_carbon.runtime import engine_for
    from corp_carbon.services import health

    settings = load_settings()
    configure_logging(settings, own_root=True)
    if settings.logging.level != "DEBUG":  # APScheduler logs every run at INFO; we log results
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    check_sources(settings)
    engine = engine_for(settings)
    result = health.check(engine)
    if not result.ok:
        engine.dispose()
        raise click.ClickException(
            f"database {result.database}, schema {result.schema}: run 'corp-carbon db upgrade'"
        )
    service = SchedulerService(settings, engine)

    def stop(signum: int, _frame: FrameType | None) -> None:
        service.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        service.run()
    finally:
        engine.dispose()


@click.group("sources", cls=click.Group)
def sources() -> None:
    """Sources of booking exports pulled on a schedule ([[sources]] in the config file)."""


@sources.command("list")
@with_appcontext
def sources_list() -> None:
    """The configured sources and their latest import run."""
    from corp_carbon.services.imports.sources import source_statuses

    state = app_state()
    if not state.settings.sources:
        click.echo("no sources configured (add [[sources]] blocks to the config file)")
        return
    for s in source_statuses(state.uow(), list(state.settings.sources)):
        flag = "" if s.enabled else "  (disabled)"
        click.echo(f"{s.name}{flag}")
        click.echo(f"  {s.connector} from {s.location}, {s.schedule}, after: {s.after}")
        if s.last_status is None:
            click.echo("  never run")
        else:
            when = s.last_at.strftime("%Y-%m-%d %H:%M UTC") if s.last_at else "-"
            click.echo(f"  last run {when}: {s.last_status}")
            if s.last_error:
                click.echo(f"  error: {s.last_error.splitlines()[0]}")


@sources.command("pull")
@click.argument("name")
@with_appcontext
def sources_pull(name: str) -> None:
    """Pull the source NAME now (once, no retry); exits 1 if it fails."""
    from corp_carbon.services.imports import pull
    from corp_carbon.services.imports.locations import PullError

    state = app_state()
    source = next((s for s in state.settings.sources if s.name == name), None)
    if source is None:
        names = ", ".join(s.name for s in state.settings.sources) or "none configured"
        raise click.ClickException(f"no source named {name!r} (sources: {names})")
    try:
        result = pull.pull_source(
            state.uow,
            state.settings,
            source,
            trigger=ImportTrigger.CLI,
            started_by=started_by(),
        )
    except PullError as exc:
        raise click.ClickException(str(exc)) from None
    for outcome in result.files:
        run = f"run {outcome.run_id}" if outcome.run_id else "no run"
        detail = f": {outcome.detail}" if outcome.detail else ""
        click.echo(f"  {outcome.name}: {outcome.status} ({run}){detail}")
    click.echo(result.summary())
    if result.failed:
        raise SystemExit(1)
