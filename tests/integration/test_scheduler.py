"""The scheduler: schedules in the config, the job table and store, retries, one leader."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from corp_carbon.config import ConfigError, Settings, SourceConfig, load_settings
from corp_carbon.db import migrate
from corp_carbon.db.base import Base
from corp_carbon.db.models import ImportRun
from corp_carbon.db.session import make_engine, make_session_factory
from corp_carbon.domain.vocabulary import ImportRunStatus
from corp_carbon.jobs import tasks
from corp_carbon.jobs.scheduler import (
    JOBS_TABLE,
    SchedulerService,
    build_scheduler,
    jobs_for,
    leadership_for,
    sync_jobs,
    trigger_for,
)
from tests.conftest import make_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
CLI = str(Path(sys.executable).with_name("corp-carbon"))
EXPORT = Path(__file__).resolve().parents[1] / "connectors/golden/navan/navan_bookings_export.csv"


def source(**values: Any) -> dict[str, Any]:
    return {"name": "navan", "connector": "navan", "location": "/srv/navan", **values}


# --- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ("every 15x", "Wrong number of fields"),
        ("61 * * * *", "higher than the maximum value"),
        ("every 0m", "at least 1 second"),
    ],
)
def test_a_bad_schedule_is_a_one_line_error_naming_the_key(
    tmp_path: Path, schedule: str, fragment: str
) -> None:
    path = tmp_path / "corp.toml"
    path.write_text(
        f'[[sources]]\nname = "navan"\nconnector = "navan"\nlocation = "/x"\n'
        f'schedule = "{schedule}"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    message = str(info.value)
    assert message.startswith("[sources.0] schedule: ")
    assert f"'{schedule}' is neither a cron expression" in message or fragment in message
    assert fragment in message
    assert str(path.resolve()) in message
    assert "\n" not in message


def test_sources_are_checked_when_the_config_loads() -> None:
    with pytest.raises(ConfigError, match=r"^\[sources\.0\] location: .*sftp://user@host"):
        load_settings({"sources": [source(location="sftp://host/x")]}, environ={})
    with pytest.raises(ConfigError, match=r"^\[sources\]: .*navan repeated"):
        load_settings({"sources": [source(), source()]}, environ={})
    with pytest.raises(ConfigError, match=r"^\[sources\.0\] after: Input should be 'move'"):
        load_settings({"sources": [source(after="delete")]}, environ={})
    with pytest.raises(ConfigError, match=r"^\[sources\.0\] scedule: unknown key .*schedule"):
        load_settings({"sources": [source(scedule="every 1h")]}, environ={})
    settings = load_settings(
        {"sources": [source(schedule="every 15m"), source(name="b", schedule="*/5 * * * 1-5")]},
        environ={},
    )
    assert [s.schedule for s in settings.sources] == ["every 15m", "*/5 * * * 1-5"]


def test_the_commented_example_source_documents_every_key_and_loads() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text[text.index("# [[sources]]") :]
    lines = [line.removeprefix("#").removeprefix(" ") for line in block.splitlines()]
    uncommented = "\n".join(line for line in lines if not line.startswith("#"))
    data = tomllib.loads(uncommented)
    assert set(data["sources"][0]) == set(SourceConfig.model_fields)
    settings = load_settings(data, environ={})
    assert settings.sources[0].name == "navan-sftp"


# --- the job table ------------------------------------------------------------------------------


def test_the_job_table_follows_the_settings() -> None:
    settings = load_settings(
        {
            "ledger": {"expiry_months": 24},
            "sources": [
                source(name="a", schedule="every 15m"),
                source(name="b", schedule="0 6 * * *"),
                source(name="c", schedule="every 1h", enabled=False),
                source(name="d"),  # on demand only
            ],
        },
        environ={},
    )
    jobs = {job.id: job for job in jobs_for(settings)}
    assert set(jobs) == {
        "ledger:expire-points", "imports:replay-pending", "privacy:erase-due",
        "privacy:retention", "reports:overview", "pull:a", "pull:b",
    }  # fmt: skip
    assert jobs["pull:a"].args == ("a",)
    assert str(trigger_for(jobs["pull:a"].schedule)) == "interval[0:15:00]"
    assert "hour='6'" in str(trigger_for(jobs["pull:b"].schedule))
    assert "day='1'" in str(trigger_for(jobs["ledger:expire-points"].schedule))
    assert str(trigger_for(jobs["privacy:erase-due"].schedule)) == "interval[0:15:00]"
    assert "hour='3'" in str(trigger_for(jobs["privacy:retention"].schedule))
    assert str(trigger_for(jobs["reports:overview"].schedule)) == "interval[1:00:00]"
    no_expiry = load_settings({"reports": {"overview_refresh_minutes": 15}}, environ={})
    assert [(job.id, job.schedule) for job in jobs_for(no_expiry)] == [
        ("imports:replay-pending", "every 15m"), ("privacy:erase-due", "every 15m"),
        ("privacy:retention", "45 3 * * *"), ("reports:overview", "every 15m"),
    ]  # fmt: skip


@pytest.fixture
def runtime_for(db_url: str) -> Iterator[Callable[[Settings], tasks.Runtime]]:
    made: list[tasks.Runtime] = []

    def make(settings: Settings) -> tasks.Runtime:
        engine = make_engine(db_url)
        rt = tasks.Runtime(settings, engine, make_session_factory(engine))
        rt.scheduler = build_scheduler(settings, engine)
        rt.scheduler.start(paused=True)
        made.append(rt)
        return rt

    yield make
    for rt in made:
        if rt.scheduler.running:
            rt.scheduler.shutdown(wait=False)
        rt.engine.dispose()
    tasks.set_runtime(None)


def test_jobs_are_stored_in_the_service_database_and_synced(
    db_url: str, tmp_path: Path, runtime_for: Callable[[Settings], tasks.Runtime]
) -> None:
    first = make_settings(db_url, tmp_path, ledger={"expiry_months": 12})
    first = first.model_copy(
        update={
            "sources": [
                SourceConfig(**source(name="a", schedule="every 15m")),
                SourceConfig(**source(name="b", schedule="every 1h")),
            ]
        }
    )
    rt = runtime_for(first)
    assert sync_jobs(rt.scheduler, first) == [
        "imports:replay-pending",
        "ledger:expire-points",
        "privacy:erase-due",
        "privacy:retention",
        "pull:a",
        "pull:b",
        "reports:overview",
    ]
    a_next = rt.scheduler.get_job("pull:a").next_run_time
    later = datetime.now(UTC) + timedelta(hours=1)
    rt.scheduler.add_job(tasks.PULL_SOURCE, "date", run_date=later, args=["b"], id="retry:pull:b")
    rt.scheduler.shutdown(wait=False)

    # a restart with one source changed and one gone: unchanged jobs keep their next run
    second = first.model_copy(
        update={
            "sources": [SourceConfig(**source(name="a", schedule="every 15m"))],
            "ledger": first.ledger.model_copy(update={"expiry_months": 0}),
        }
    )
    time.sleep(0.05)
    rt2 = runtime_for(second)
    sync_jobs(rt2.scheduler, second)
    assert sorted(job.id for job in rt2.scheduler.get_jobs()) == [
        "imports:replay-pending",
        "privacy:erase-due",
        "privacy:retention",
        "pull:a",
        "reports:overview",
    ]
    job = rt2.scheduler.get_job("pull:a")
    assert job.next_run_time == a_next
    assert job.func_ref == "corp_carbon.jobs.tasks:pull_source"
    assert (job.coalesce, job.max_instances) == (True, 1)
    assert job.misfire_grace_time == second.scheduler.misfire_grace_seconds

    changed = second.model_copy(
        update={"sources": [SourceConfig(**source(name="a", schedule="*/5 * * * *"))]}
    )
    sync_jobs(rt2.scheduler, changed)
    assert str(rt2.scheduler.get_job("pull:a").trigger).startswith("cron[")

    engine = make_engine(db_url)
    try:
        assert JOBS_TABLE in sa.inspect(engine).get_table_names()
        with engine.connect() as connection:  # the job store's table is not ours to migrate
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_object": migrate.include_object},
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_the_expiry_job_dates_its_run_to_the_first_of_the_month(
    db_url: str,
    tmp_path: Path,
    runtime_for: Callable[[Settings], tasks.Runtime],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from corp_carbon.services.ledger import expiry

    calls: list[dict[str, Any]] = []
    real = expiry.expire_points

    def spy(uow: Any, *, as_of: date, months: int) -> Any:
        calls.append({"as_of": as_of, "months": months})
        return real(uow, as_of=as_of, months=months)

    monkeypatch.setattr(expiry, "expire_points", spy)
    rt = runtime_for(make_settings(db_url, tmp_path, ledger={"expiry_months": 18}))
    tasks.set_runtime(rt)
    tasks.expire_points()
    assert calls == [{"as_of": datetime.now(UTC).date().replace(day=1), "months": 18}]

    tasks.set_runtime(runtime_for(make_settings(db_url, tmp_path)))
    tasks.expire_points()  # expiry_months = 0: nothing to do
    assert len(calls) == 1


def test_a_failed_pull_is_recorded_and_retried_with_backoff(
    db_url: str, tmp_path: Path, runtime_for: Callable[[Settings], tasks.Runtime]
) -> None:
    settings = make_settings(
        db_url, tmp_path, scheduler={"retry_attempts": 2, "retry_backoff_seconds": 45}
    )
    missing = tmp_path / "not-mounted"
    settings = settings.model_copy(
        update={"sources": [SourceConfig(**source(location=str(missing), schedule="every 1h"))]}
    )
    rt = runtime_for(settings)
    tasks.set_runtime(rt)

    tasks.pull_source("navan")
    retry_job = rt.scheduler.get_job("retry:pull:navan")
    assert retry_job.kwargs == {"attempt": 2}
    assert retry_job.func_ref == tasks.PULL_SOURCE
    tasks.pull_source("navan", attempt=2)

    with rt.uow() as uow:
        errors = list(uow.session.scalars(sa.select(ImportRun.error).order_by(ImportRun.id)))
        statuses = set(uow.session.scalars(sa.select(ImportRun.status)))
    assert statuses == {ImportRunStatus.FAILED}
    assert errors == [
        f"folder {missing} does not exist or is not a folder (attempt 1 of 2; retry in 45 s)",
        f"folder {missing} does not exist or is not a folder "
        "(attempt 2 of 2; no more retries until the next run)",
    ]


# --- leadership ---------------------------------------------------------------------------------


def test_only_one_process_holds_the_scheduler_lock(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path)
    first, second = leadership_for(settings), leadership_for(settings)
    try:
        assert first.acquire()
        assert not second.acquire()
        assert first.still_held()
        first.release()
        assert second.acquire()
    finally:
        first.release()
        second.release()


def test_a_standby_service_leads_once_the_leader_stops(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path)
    leader, standby = SchedulerService(settings), SchedulerService(settings)
    try:
        leader.step()
        standby.step()
        assert leader.is_leader
        assert not standby.is_leader
        leader.stop()
        leader.run()  # returns at once: stops its scheduler and frees the lock
        standby.step()
        assert standby.is_leader
    finally:
        standby.stop()
        standby.run()
        leader.engine.dispose()
        standby.engine.dispose()
        tasks.set_runtime(None)


# --- real `corp-carbon scheduler` processes ----------------------------------------------------


class Process:
    def __init__(self, config: Path, log: Path) -> None:
        self.log_path = log
        self.log: IO[bytes] = log.open("wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CORP_CARBON_")}
        env["CORP_CARBON_CONFIG"] = str(config)
        self.popen = subprocess.Popen(
            [CLI, "scheduler"], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def leads(self) -> bool:
        return "this scheduler is the leader" in self.text()

    @property
    def stands_by(self) -> bool:
        return "another scheduler holds the lock; standing by" in self.text()

    def close(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(10)
        self.log.close()


def scheduler_config(
    tmp_path: Path, db_url: str, inbox: Path, *, schedule: str, more: str = ""
) -> Path:
    """A config file for scheduler processes: one folder source "drop" pulled on
    ``schedule``, INFO logs as text, a standby retrying every second; ``more`` TOML added."""
    config = tmp_path / "corp.toml"
    config.write_text(
        f"""
[app]
mode = "development"
instance_path = "{tmp_path / "instance"}"
[database]
url = "{db_url}"
[logging]
format = "text"
level = "INFO"
[scheduler]
leader_retry_seconds = 1
{more}
[[sources]]
name = "drop"
connector = "navan"
location = "{inbox}"
schedule = "{schedule}"
settle_seconds = 0
""",
        encoding="utf-8",
    )
    return config


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def pull_across_a_fail_over(config: Path, inbox: Path, folder: Path) -> list[Process]:
    """Two ``corp-carbon scheduler`` processes of ``config`` (a source pulling ``inbox``
    every second): exactly one leads and pulls a first file; killed with SIGKILL, the other
    takes over and pulls a second file; then it stops on SIGTERM. The processes, finished."""
    lines = EXPORT.read_text(encoding="utf-8").splitlines(keepends=True)
    processes = [Process(config, folder / f"scheduler-{n}.log") for n in (1, 2)]
    try:
        wait_until(
            lambda: sum(p.leads for p in processes) == 1 and any(p.stands_by for p in processes),
            60,
            "one leader and one standby",
        )
        time.sleep(2)  # several election rounds later, still exactly one leader
        assert sum(p.leads for p in processes) == 1
        leader = next(p for p in processes if p.leads)
        standby = next(p for p in processes if not p.leads)
        assert standby.stands_by

        (inbox / "first.csv").write_text("".join(lines[:5]), encoding="utf-8")
        wait_until(lambda: (inbox / "processed" / "first.csv").exists(), 30, "first pull")

        leader.popen.send_signal(signal.SIGKILL)
        leader.popen.wait(10)
        wait_until(lambda: standby.leads, 30, "the standby to take over")

        (inbox / "second.csv").write_text("".join([lines[0], *lines[5:]]), encoding="utf-8")
        wait_until(lambda: (inbox / "processed" / "second.csv").exists(), 30, "second pull")

        standby.popen.send_signal(signal.SIGTERM)
        assert standby.popen.wait(30) == 0
        assert "scheduler stopped" in standby.text()
    finally:
        for process in processes:
            process.close()
    assert not re.search(r"Traceback", "".join(p.text() for p in processes))
    return processes


@pytest.mark.slow
def test_two_scheduler_processes_elect_one_leader_and_fail_over(
    db_url: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = scheduler_config(tmp_path, db_url, inbox, schedule="every 1s")
    pull_across_a_fail_over(config, inbox, tmp_path)
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            names = list(connection.scalars(sa.select(ImportRun.file_name).order_by(ImportRun.id)))
        assert names == ["first.csv", "second.csv"]
    finally:
        engine.dispose()
