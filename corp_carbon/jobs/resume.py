"""A job run cut short by the scheduler's death is run again once, by the next leader.

APScheduler 3 moves a job's next run time on *before* it runs the job, so a run cut short
by a kill -9, the OOM killer or a lost host was simply gone: the job next ran at its next
scheduled time (a month later for the points expiry). So while a job runs it keeps a paused
one-off copy of itself in the job store (``resume:<job id>#<run>``), removed when the run
ends, however it ends. A leader starting up finds only the copies of runs that died with
their process, and runs each job once: not at all when the job is due anyway (its catch-up
run does the work), never twice for several dead runs of one job.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from typing import Any

from corp_carbon.db.types import utcnow

log = logging.getLogger("corp_carbon.jobs")

RESUME_PREFIX = "resume:"


def base_job_id(resume_id: str) -> str:
    """The job a run copy belongs to: ``resume:pull:navan#3f2a…`` -> ``pull:navan``."""
    return resume_id.removeprefix(RESUME_PREFIX).rpartition("#")[0]


@contextlib.contextmanager
def noted(
    scheduler: Any, job_id: str, func: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Iterator[None]:
    """Keeps a paused copy of this run of ``job_id`` in the job store while the block runs.

    Without a scheduler (a job run by hand) nothing is noted. A store that cannot be written
    (the database is away) is logged in one line and the job runs all the same."""
    copy_id = note(scheduler, job_id, func, args, kwargs) if scheduler is not None else None
    try:
        yield
    finally:
        if copy_id is not None:
            try:
                scheduler.remove_job(copy_id)
            except Exception as exc:  # gone already, or the database is away: runs again once
                log.warning("job %s: its run note stays in the job store: %s", job_id, exc)


def note(
    scheduler: Any, job_id: str, func: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str | None:
    """Stores the paused copy of a run starting now; its id, or None when the store refused."""
    copy_id = f"{RESUME_PREFIX}{job_id}#{uuid.uuid4().hex[:12]}"
    try:
        scheduler.add_job(
            func,
            "date",
            run_date=utcnow(),
            args=list(args),
            kwargs=kwargs,
            id=copy_id,
            name=f"resume {job_id}",
            next_run_time=None,  # paused: only a starting leader resumes it
            misfire_grace_time=None,  # once resumed, it runs however late
        )
    except Exception as exc:
        log.warning("job %s: its run is not noted in the job store: %s", job_id, exc)
        return None
    return copy_id


def rerun_cut_short(scheduler: Any) -> list[str]:
    """On a leader's start, before the jobs run: resumes one copy per job whose run died
    with its scheduler, and drops the others; returns the job ids run again."""
    now = utcnow()
    rerun: list[str] = []
    for job in scheduler.get_jobs():
        if not job.id.startswith(RESUME_PREFIX):
            continue
        base = base_job_id(job.id)
        owner = scheduler.get_job(base)
        due_anyway = owner is not None and owner.next_run_time and owner.next_run_time <= now
        if base in rerun or due_anyway:
            job.remove()
            continue
        log.warning("job %s was cut short when its scheduler stopped; running it once more", base)
        scheduler.resume_job(job.id)
        rerun.append(base)
    return rerun
