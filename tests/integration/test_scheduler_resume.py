"""The run notes of ``corp_carbon.jobs.resume``: a job notes its run while it runs and drops
the note when it ends; a starting leader runs a job once for the notes dead runs left, not at
all when the job is due anyway, and forgets notes of jobs no longer configured. (The real
kill -9 of a scheduler process is tests/system/test_scheduler_kill.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from corp_carbon.config import Settings, SourceConfig
from corp_carbon.db import migrate
from corp_carbon.jobs import resume, tasks
from corp_carbon.jobs.scheduler import build_scheduler, sync_jobs
from corp_carbon.runtime import engine_for
from tests.conftest import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    migrate.upgrade(url)
    made = make_settings(url, tmp_path)
    folder = str(tmp_path / "inbox")
    drop = SourceConfig(name="drop", connector="navan", location=folder, schedule="every 1h")
    return made.model_copy(update={"sources": [drop]})


@pytest.fixture
def scheduler(settings: Settings) -> Iterator[Any]:
    engine = engine_for(settings)
    started = build_scheduler(settings, engine)
    started.start(paused=True)
    sync_jobs(started, settings)
    yield started
    started.remove_all_jobs()  # a due job would race the shutdown (APScheduler logs it)
    started.shutdown(wait=False)
    engine.dispose()


def _notes(scheduler: Any) -> list[str]:
    return sorted(j.id for j in scheduler.get_jobs() if j.id.startswith(resume.RESUME_PREFIX))


def _cut_short(scheduler: Any, job_id: str, func: str) -> None:
    """A run whose process died inside it: noted, and the note never dropped."""
    assert resume.note(scheduler, job_id, func, (), {}) is not None


def test_a_run_notes_itself_while_it_runs(scheduler: Any) -> None:
    with resume.noted(scheduler, "pull:drop", tasks.PULL_SOURCE, ("drop",), {"attempt": 2}):
        [note] = _notes(scheduler)
        assert resume.base_job_id(note) == "pull:drop"
        job = scheduler.get_job(note)
        assert job.next_run_time is None  # paused: no scheduler runs it by itself
        assert (job.args, job.kwargs) == (("drop",), {"attempt": 2})
    assert _notes(scheduler) == []
    with pytest.raises(RuntimeError), resume.noted(scheduler, "x", tasks.PULL_SOURCE, (), {}):
        raise RuntimeError("a failing run ends too")
    assert _notes(scheduler) == []


def test_a_leader_runs_a_dead_run_once(scheduler: Any, settings: Settings) -> None:
    for _ in range(2):  # two dead runs of one job: run once
        _cut_short(scheduler, "pull:drop", tasks.PULL_SOURCE)
    _cut_short(scheduler, "imports:replay-pending", tasks.REPLAY_PENDING)
    due = datetime.now(UTC) - timedelta(minutes=1)
    scheduler.modify_job("imports:replay-pending", next_run_time=due)  # due anyway

    assert resume.rerun_cut_short(scheduler) == ["pull:drop"]
    [kept] = _notes(scheduler)
    assert resume.base_job_id(kept) == "pull:drop"
    assert scheduler.get_job(kept).next_run_time <= datetime.now(UTC)  # runs at once


def test_notes_of_jobs_no_longer_configured_are_dropped(scheduler: Any, settings: Settings) -> None:
    _cut_short(scheduler, "pull:drop", tasks.PULL_SOURCE)
    sync_jobs(scheduler, settings.model_copy(update={"sources": []}))
    assert _notes(scheduler) == []
