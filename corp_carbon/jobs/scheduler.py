"""APScheduler wiring: the declarative job table, the job store, and leadership.

Jobs are stored in the service's database (``apscheduler_jobs``, ignored by migrations).
Only one scheduler runs them: the process holding a PostgreSQL advisory lock (any number
of hosts), or, on SQLite, an fcntl lock on a file next to the database (one host). The
others stand by and try again every ``[scheduler] leader_retry_seconds``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from corp_carbon.config import ConfigError, Settings, interval_seconds
from corp_carbon.db.session import make_session_factory
from corp_carbon.jobs import resume, retry, tasks
from corp_carbon.runtime import engine_for

log = logging.getLogger("corp_carbon.scheduler")

JOBS_TABLE = "apscheduler_jobs"
#: pg_try_advisory_lock key; advisory locks are per database, so one constant suffices.
ADVISORY_LOCK_KEY = 0x63617262_6F6E0001  # b"carbon" + 1, a positive bigint
#: ids of the jobs this module manages; others in the store are left alone.
MANAGED_PREFIXES = (
    "pull:", "ledger:", "imports:", "privacy:", "reports:",
    retry.RETRY_PREFIX, resume.RESUME_PREFIX,
)  # fmt: skip


@dataclass(frozen=True)
class JobSpec:
    """One row of the job table: an id, a task by reference, a schedule and its arguments."""

    id: str
    func: str
    #: cron expression (UTC) or "every 15m".
    schedule: str
    args: tuple[Any, ...] = ()
    #: overrides [scheduler] misfire_grace_seconds for this job.
    misfire_grace_seconds: int | None = None
    #: the job exists only when this says so for the settings.
    when: Callable[[Settings], bool] | None = None


#: Jobs besides the per-source pulls.
JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        tasks.EXPIRE_POINTS_JOB,
        tasks.EXPIRE_POINTS,
        "0 3 1 * *",  # 03:00 UTC on the first of each month
        misfire_grace_seconds=20 * 86400,  # a scheduler down on the 1st catches up later
        when=lambda s: s.ledger.expiry_months > 0,
    ),
    JobSpec(tasks.REPLAY_PENDING_JOB, tasks.REPLAY_PENDING, "every 15m"),
    # erasure requests that are due ([privacy] erase_after_days) or that HR confirmed
    JobSpec(tasks.ERASE_DUE_JOB, tasks.ERASE_DUE, "every 15m"),
    # raw import data older than [privacy] keep_raw_days; evidence photos no row names
    JobSpec(
        tasks.RETENTION_JOB,
        tasks.APPLY_RETENTION,
        "45 3 * * *",  # 03:45 UTC every day
        misfire_grace_seconds=20 * 3600,
    ),
)


def jobs_for(settings: Settings) -> list[JobSpec]:
    """The job table for these settings: JOBS, the overview refresh at its configured
    interval, and one pull per enabled, scheduled source."""
    specs = [job for job in JOBS if job.when is None or job.when(settings)]
    # the company overview's figures, computed ahead ([reports] overview_refresh_minutes)
    every = f"every {settings.reports.overview_refresh_minutes}m"
    specs.append(JobSpec(tasks.OVERVIEW_JOB, tasks.REFRESH_OVERVIEW, every))
    specs += [
        JobSpec(tasks.pull_job_id(source.name), tasks.PULL_SOURCE, source.schedule, (source.name,))
        for source in settings.sources
        if source.enabled and source.schedule
    ]
    return specs


def trigger_for(schedule: str) -> CronTrigger | IntervalTrigger:
    seconds = interval_seconds(schedule)
    if seconds is not None:
        return IntervalTrigger(seconds=seconds, timezone="UTC")
    return CronTrigger.from_crontab(schedule, timezone="UTC")


def check_sources(settings: Settings) -> None:
    """Connector names exist (the config cannot know the registry)."""
    from connectors import REGISTRY

    for number, source in enumerate(settings.sources):
        if source.connector not in REGISTRY:
            raise ConfigError(
                f"[sources.{number}] connector: unknown connector {source.connector!r} of "
                f"source {source.name!r}; accepted: {', '.join(REGISTRY)} (in {settings.source})"
            )


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler 3's background scheduler without the race of its issue #285: a job falling
    due while the scheduler stops is left for the next start, rather than handed to the
    executor already shut down (an error and a traceback in the log)."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait: float | None = super()._process_jobs()
        return wait


def build_scheduler(settings: Settings, engine: Engine | None = None) -> BackgroundScheduler:
    """A scheduler (not started) whose job store is the service database."""
    store_engine = engine or engine_for(settings)
    scheduler = _Scheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=store_engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.scheduler.misfire_grace_seconds,
        },
        timezone="UTC",
    )
    return scheduler


def sync_jobs(scheduler: BackgroundScheduler, settings: Settings) -> list[str]:
    """Makes the store hold exactly the job table; unchanged jobs keep their next run time."""
    wanted = {spec.id: spec for spec in jobs_for(settings)}
    for spec in wanted.values():
        trigger = trigger_for(spec.schedule)
        existing = scheduler.get_job(spec.id)
        if (
            existing is not None
            and str(existing.trigger) == str(trigger)
            and existing.func_ref == spec.func
            and tuple(existing.args) == spec.args
        ):
            continue
        grace = spec.misfire_grace_seconds or settings.scheduler.misfire_grace_seconds
        scheduler.add_job(
            spec.func,
            trigger,
            args=list(spec.args),
            id=spec.id,
            name=spec.id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
        )
    for job in scheduler.get_jobs():
        base = job.id.removeprefix(retry.RETRY_PREFIX)
        if job.id.startswith(resume.RESUME_PREFIX):
            base = resume.base_job_id(job.id)
        if job.id.startswith(MANAGED_PREFIXES) and base not in wanted:
            log.info("removing job %s: no longer configured", job.id)
            job.remove()
    return sorted(wanted)


# --- leadership ---------------------------------------------------------------------------------


class Leadership(Protocol):
    def acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class AdvisoryLock:
    """A PostgreSQL session advisory lock held on a connection of its own (not pooled)."""

    def __init__(self, url: str, connect_timeout: int = 5) -> None:
        self.engine = sa.create_engine(
            url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": connect_timeout},
        )
        self.connection: sa.Connection | None = None

    def acquire(self) -> bool:
        try:
            connection = self.engine.connect()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("cannot reach the database for the scheduler lock: %s", _first_line(exc))
            return False
        got = connection.scalar(
            sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        )
        if got:
            self.connection = connection
            return True
        connection.close()
        return False

    def still_held(self) -> bool:
        if self.connection is None:
            return False
        try:
            self.connection.scalar(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            self.connection = None  # the session, and with it the lock, is gone
            return False
        return True

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.scalar(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                self.connection.close()
            except sa.exc.SQLAlchemyError:
                pass
            self.connection = None
        self.engine.dispose()


class FileLock:
    """An fcntl lock: freed by the kernel when the holder dies; one host only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def still_held(self) -> bool:
        return self.handle is not None

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def leadership_for(settings: Settings) -> Leadership:
    """The advisory lock goes to ``[database] direct_url`` when set: a session lock must not
    pass through a transaction-mode pooler, which hands each statement any server session."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        direct = settings.database.direct_url or settings.database_url
        return AdvisoryLock(direct, settings.database.connect_timeout)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return FileLock(Path(str(url.database)).resolve().with_suffix(".scheduler.lock"))
    return FileLock(settings.instance_dir / "scheduler.lock")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- the scheduler service ----------------------------------------------------------------------


class SchedulerService:
    """Stands by until it holds the lock, then runs the jobs until stopped or the lock is lost."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or engine_for(settings)
        self.lock = leadership_for(settings)
        self.scheduler: BackgroundScheduler | None = None
        self.stopping = threading.Event()
        self._said_standby = False

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    def step(self) -> None:
        """One round: try to lead, or check that the lock is still ours."""
        if self.is_leader:
            if not self.lock.still_held():
                log.error("lost the scheduler lock (database connection gone); standing by")
                self._stop_scheduler(wait=False)
            return
        if self.lock.acquire():
            self._said_standby = False
            try:
                self._lead()
            except Exception:
                log.exception("could not start the scheduler; standing by")
                self._stop_scheduler(wait=False)
                self.lock.release()
            return
        level = logging.DEBUG if self._said_standby else logging.INFO
        log.log(level, "another scheduler holds the lock; standing by (pid %d)", os.getpid())
        self._said_standby = True

    def _lead(self) -> None:
        from corp_carbon.services.imports import interruptions, pull, sources

        session_factory = make_session_factory(self.engine)
        runtime = tasks.Runtime(self.settings, self.engine, session_factory)
        runtime.report_session_factory = tasks.report_sessions(self.settings, self.engine)
        pull.remove_work_files(self.settings)
        sources.sync_sources(runtime.uow(), list(self.settings.sources))
        interruptions.sweep(runtime.uow(), self.settings)  # runs an outage left running
        scheduler = build_scheduler(self.settings, self.engine)
        runtime.scheduler = scheduler
        tasks.set_runtime(runtime)
        scheduler.start(paused=True)
        self.scheduler = scheduler
        job_ids = sync_jobs(scheduler, self.settings)
        resume.rerun_cut_short(scheduler)
        scheduler.resume()
        log.info("this scheduler is the leader (pid %d); jobs: %s", os.getpid(), ", ".join(job_ids))

    def _stop_scheduler(self, wait: bool) -> None:
        if self.scheduler is not None:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=wait)
            self.scheduler = None
        tasks.set_runtime(None)

    def run(self) -> None:
        """Blocks until ``stop()``; a standby tries to lead every leader_retry_seconds."""
        try:
            while not self.stopping.is_set():
                self.step()
                self.stopping.wait(self.settings.scheduler.leader_retry_seconds)
        finally:
            self._stop_scheduler(wait=True)
            self.lock.release()
            log.info("scheduler stopped (pid %d)", os.getpid())

    def stop(self) -> None:
        self.stopping.set()


def start_in_process(settings: Settings, engine: Engine | None = None) -> SchedulerService:
    """For ``corp-carbon demo``: the scheduler service on a daemon thread of this process."""
    service = SchedulerService(settings, engine)
    threading.Thread(target=service.run, name="corp-carbon-scheduler", daemon=True).start()
    return service
