"""Retries of failed jobs: a one-off job in the job store, with exponential backoff.

A retry is stored like any job, so it survives a restart of the scheduler and runs on
whichever scheduler is the leader by then.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from corp_carbon.config import SchedulerSection
from corp_carbon.db.types import utcnow

log = logging.getLogger("corp_carbon.jobs")

RETRY_PREFIX = "retry:"


@dataclass(frozen=True)
class Attempt:
    """Which try this is, and what happens if it fails."""

    number: int
    total: int
    backoff_seconds: int

    @property
    def last(self) -> bool:
        return self.number >= self.total

    @property
    def delay_seconds(self) -> int:
        """Wait before the next try: backoff, doubled for each try already made."""
        return int(self.backoff_seconds * 2 ** (self.number - 1))

    def note(self) -> str:
        """For the error of a failed run: what the scheduler does next."""
        if self.total <= 1:
            return "no retry; next scheduled run as usual"
        if self.last:
            return f"attempt {self.number} of {self.total}; no more retries until the next run"
        return f"attempt {self.number} of {self.total}; retry in {self.delay_seconds} s"


def attempt_for(section: SchedulerSection, number: int) -> Attempt:
    return Attempt(number, section.retry_attempts, section.retry_backoff_seconds)


def retry_job_id(job_id: str) -> str:
    return f"{RETRY_PREFIX}{job_id}"


def schedule_retry(
    scheduler: Any, job_id: str, func: str, args: tuple[Any, ...], attempt: Attempt
) -> str | None:
    """Stores a one-off run of ``func(*args, attempt=next)``; None when no try is left."""
    if attempt.last or scheduler is None:
        return None
    run_at = utcnow() + timedelta(seconds=attempt.delay_seconds)
    retry_id = retry_job_id(job_id)
    scheduler.add_job(
        func,
        "date",
        run_date=run_at,
        args=list(args),
        kwargs={"attempt": attempt.number + 1},
        id=retry_id,
        name=f"retry {attempt.number + 1}/{attempt.total} of {job_id}",
        replace_existing=True,
        misfire_grace_time=None,  # a retry runs however late
    )
    log.info("job %s: try %d at %s", job_id, attempt.number + 1, run_at.isoformat())
    return retry_id


def cancel_retry(scheduler: Any, job_id: str) -> None:
    """A run that succeeded makes its pending retry pointless."""
    if scheduler is None:
        return
    from apscheduler.jobstores.base import JobLookupError

    with contextlib.suppress(JobLookupError):
        scheduler.remove_job(retry_job_id(job_id))
