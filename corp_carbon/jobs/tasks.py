"""Job functions: stored in the job store by reference ("corp_carbon.jobs.tasks:pull_source")
with picklable arguments only; each takes what it needs from the process's runtime.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy.engine import Engine

from corp_carbon.config import Settings, load_settings
from corp_carbon.db.session import SessionFactory, UnitOfWork, make_session_factory
from corp_carbon.domain.vocabulary import ImportTrigger
from corp_carbon.jobs import resume, retry
from corp_carbon.runtime import engine_for, report_engine

log = logging.getLogger("corp_carbon.jobs")

PULL_SOURCE = "corp_carbon.jobs.tasks:pull_source"
EXPIRE_POINTS = "corp_carbon.jobs.tasks:expire_points"
REPLAY_PENDING = "corp_carbon.jobs.tasks:replay_pending"
ERASE_DUE = "corp_carbon.jobs.tasks:erase_due"
APPLY_RETENTION = "corp_carbon.jobs.tasks:apply_retention"
REFRESH_OVERVIEW = "corp_carbon.jobs.tasks:refresh_overview"
EXPIRE_POINTS_JOB = "ledger:expire-points"
REPLAY_PENDING_JOB = "imports:replay-pending"
ERASE_DUE_JOB = "privacy:erase-due"
RETENTION_JOB = "privacy:retention"
OVERVIEW_JOB = "reports:overview"

Task = TypeVar("Task", bound=Callable[..., None])


@dataclass
class Runtime:
    """What jobs share in one scheduler process: settings, database, and the scheduler."""

    settings: Settings
    engine: Engine
    session_factory: SessionFactory
    #: the running scheduler, for retries; None when a job is run by hand.
    scheduler: Any = None
    #: where reports read (``[database] report_url``); None = ``session_factory``.
    report_session_factory: SessionFactory | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def report_uow(self) -> UnitOfWork:
        return UnitOfWork(self.report_session_factory or self.session_factory)


_runtime: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def runtime() -> Runtime:
    """The process's runtime; built from CORP_CARBON_CONFIG if the scheduler set none."""
    global _runtime
    if _runtime is None:
        settings = load_settings()
        engine = engine_for(settings)
        _runtime = Runtime(settings, engine, make_session_factory(engine))
        _runtime.report_session_factory = report_sessions(settings, engine)
    return _runtime


def report_sessions(settings: Settings, engine: Engine) -> SessionFactory | None:
    """Sessions on ``[database] report_url`` when one is set (None: the main database)."""
    if not settings.database.report_url:
        return None
    return make_session_factory(report_engine(settings, engine))


def pull_job_id(source_name: str) -> str:
    return f"pull:{source_name}"


def _resumable(func_ref: str, job_id: Callable[..., str]) -> Callable[[Task], Task]:
    """The task notes its run in the job store while it runs, so that a run cut short by the
    scheduler's death is run again once by the next leader (``jobs.resume``)."""

    def wrap(task: Task) -> Task:
        @functools.wraps(task)
        def run(*args: Any, **kwargs: Any) -> None:
            with resume.noted(runtime().scheduler, job_id(*args), func_ref, args, kwargs):
                task(*args, **kwargs)

        return cast(Task, run)

    return wrap


@_resumable(PULL_SOURCE, pull_job_id)
def pull_source(name: str, attempt: int = 1) -> None:
    """Pulls one configured source; a failure is recorded and retried with backoff."""
    from corp_carbon.services.imports import pull
    from corp_carbon.services.imports.locations import PullError

    rt = runtime()
    source = next((s for s in rt.settings.sources if s.name == name), None)
    if source is None or not source.enabled:
        log.warning("source %r is not configured (or disabled) any more: nothing pulled", name)
        return
    this = retry.attempt_for(rt.settings.scheduler, attempt)
    job_id = pull_job_id(name)
    try:
        result = pull.pull_source(
            rt.uow, rt.settings, source, trigger=ImportTrigger.SCHEDULE, failure_note=this.note()
        )
    except PullError:
        retry.schedule_retry(rt.scheduler, job_id, PULL_SOURCE, (name,), this)
        return
    if result.failed:
        log.warning("pull %s (%s)", result.summary(), this.note())
        retry.schedule_retry(rt.scheduler, job_id, PULL_SOURCE, (name,), this)
        return
    if attempt > 1:
        log.info("pull of %s succeeded on attempt %d", name, attempt)
    retry.cancel_retry(rt.scheduler, job_id)


@_resumable(EXPIRE_POINTS, lambda: EXPIRE_POINTS_JOB)
def expire_points(attempt: int = 1) -> None:
    """Monthly: expires points older than [ledger] expiry_months, as of the month's first day.

    Dating the run to the first of the month keeps a late (caught-up) run equal to an
    on-time one; the ledger makes a second run in the same month a no-op.
    """
    from corp_carbon.services.ledger import expiry

    rt = runtime()
    months = rt.settings.ledger.expiry_months
    if months <= 0:
        return
    as_of = datetime.now(UTC).date().replace(day=1)
    try:
        run = expiry.expire_points(rt.uow(), as_of=as_of, months=months)
    except Exception:
        this = retry.attempt_for(rt.settings.scheduler, attempt)
        log.exception("points expiry as of %s failed (%s)", as_of, this.note())
        retry.schedule_retry(rt.scheduler, EXPIRE_POINTS_JOB, EXPIRE_POINTS, (), this)
        return
    log.info("expired %d points on %d accounts as of %s", run.points, run.accounts, as_of)


@_resumable(REPLAY_PENDING, lambda: REPLAY_PENDING_JOB)
def replay_pending(attempt: int = 1) -> None:
    """Imports records that were waiting for their employee, now that some may exist; first
    marks failed the import runs a database outage left running (see ``interruptions``)."""
    from corp_carbon.services.imports import interruptions
    from corp_carbon.services.imports.pending import replay_pending

    rt = runtime()
    try:
        interruptions.sweep(rt.uow(), rt.settings)
        replayed = replay_pending(rt.uow(), rt.settings)
    except Exception:
        this = retry.attempt_for(rt.settings.scheduler, attempt)
        log.exception("replay of pending records failed (%s)", this.note())
        retry.schedule_retry(rt.scheduler, REPLAY_PENDING_JOB, REPLAY_PENDING, (), this)
        return
    if replayed:
        log.info("replayed %d records that were waiting for their employee", replayed)


@_resumable(ERASE_DUE, lambda: ERASE_DUE_JOB)
def erase_due(attempt: int = 1) -> None:
    """Erases the personal data of every erasure request that is due or that HR confirmed;
    a request that fails stays waiting and is tried at the next run."""
    from corp_carbon.services.people import erase

    rt = runtime()
    try:
        done = erase.erase_due(rt.uow(), rt.settings)
    except Exception:
        this = retry.attempt_for(rt.settings.scheduler, attempt)
        log.exception("the erasure run failed (%s)", this.note())
        retry.schedule_retry(rt.scheduler, ERASE_DUE_JOB, ERASE_DUE, (), this)
        return
    if done.erased or done.failed:
        log.info("erased %d employees; %d requests failed", len(done.erased), len(done.failed))


@_resumable(APPLY_RETENTION, lambda: RETENTION_JOB)
def apply_retention(attempt: int = 1) -> None:
    """Daily: deletes import runs' raw data older than [privacy] keep_raw_days, and evidence
    photo files no row names any more."""
    from corp_carbon.services.commutes.evidence import sweep_unused_photos
    from corp_carbon.services.imports.retention import delete_raw_data

    rt = runtime()
    try:
        delete_raw_data(rt.uow(), rt.settings)
        photos = sweep_unused_photos(rt.uow(), rt.settings)
    except Exception:
        this = retry.attempt_for(rt.settings.scheduler, attempt)
        log.exception("the retention run failed (%s)", this.note())
        retry.schedule_retry(rt.scheduler, RETENTION_JOB, APPLY_RETENTION, (), this)
        return
    if photos:
        log.info("deleted %d evidence photos no trip uses any more", photos)


@_resumable(REFRESH_OVERVIEW, lambda: OVERVIEW_JOB)
def refresh_overview(attempt: int = 1) -> None:
    """Every [reports] overview_refresh_minutes: computes the figures of the overview's
    preset periods, then any period a web process queued but could
    not finish (it restarted), so the page reads them ready."""
    from corp_carbon.services.reports import overview_snapshots as snapshots

    rt = runtime()
    try:
        refreshed = snapshots.refresh_presets(rt.uow, rt.report_uow, rt.settings)
        for period in snapshots.waiting_computations(rt.uow):
            snapshots.run_computation(rt.uow, rt.report_uow, rt.settings, period)
    except Exception:
        this = retry.attempt_for(rt.settings.scheduler, attempt)
        log.exception("the overview refresh failed (%s)", this.note())
        retry.schedule_retry(rt.scheduler, OVERVIEW_JOB, REFRESH_OVERVIEW, (), this)
        return
    for done in refreshed:
        period = done.period
        if done.snapshot is None:
            log.info("overview %s (%s to %s) left to the process computing it since %s",
                     done.preset, period.first, period.last, done.busy_since)  # fmt: skip
        else:
            log.info("overview %s (%s to %s) refreshed in %.1f s", done.preset, period.first,
                     period.last, done.seconds)  # fmt: skip
