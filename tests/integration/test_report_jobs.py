"""Reports built in the background: queued, claimed once, progress kept, failures said in
words, a build cut short by a restart seen as such, and every download audit-logged."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import AuditEvent, ReportJob
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.domain.reports import ReportOptions
from corp_carbon.domain.vocabulary import ReportStatus
from corp_carbon.services.reports import jobs as report_jobs
from corp_carbon.services.reports.jobs import Progress
from corp_carbon.web.state import CarbonState

OPTIONS = ReportOptions(date(2026, 1, 1), date(2026, 12, 31))
ACTOR = Actor(label="ada@example.com")


def _writes(content: bytes, steps: int = 3) -> report_jobs.Build:
    def build(options: ReportOptions, path: Path, progress: Progress) -> None:
        for step in range(1, steps + 1):
            progress(step, steps)
        path.write_bytes(content)

    return build


def test_a_report_is_queued_built_and_downloaded_once_audited(
    uow: UnitOfWork, state: CarbonState, settings: Settings
) -> None:
    asked = report_jobs.request_report(uow, ACTOR, OPTIONS)
    assert asked.status is ReportStatus.QUEUED and asked.pending
    status = report_jobs.build_report(state.uow, settings, asked.id, _writes(b"xlsx bytes"))
    assert status is ReportStatus.DONE
    view = report_jobs.get_report(uow, asked.id)
    assert (view.status, view.done, view.total, view.percent) == (ReportStatus.DONE, 3, 3, 100)
    assert view.file_name == f"esg-report-2026-01-01-2026-12-31-{asked.id}.xlsx"
    assert view.file_size == len(b"xlsx bytes")
    path, _ = report_jobs.open_download(uow, settings, ACTOR, asked.id)
    assert path.read_bytes() == b"xlsx bytes"
    assert not list(path.parent.glob(".*.part"))  # no half-written file left beside it
    with uow:
        actions = uow.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["report.requested", "report.downloaded"]


def test_a_claimed_report_is_not_built_twice(
    uow: UnitOfWork, state: CarbonState, settings: Settings
) -> None:
    asked = report_jobs.request_report(uow, ACTOR, OPTIONS)
    calls: list[int] = []

    def second_worker(options: ReportOptions, path: Path, progress: Progress) -> None:
        calls.append(1)
        path.write_bytes(b"")

    def first_worker(options: ReportOptions, path: Path, progress: Progress) -> None:
        # while the first worker builds, a second one is handed the same request
        again = report_jobs.build_report(state.uow, settings, asked.id, second_worker)
        assert again is ReportStatus.RUNNING
        path.write_bytes(b"first")

    report_jobs.build_report(state.uow, settings, asked.id, first_worker)
    assert calls == []
    assert report_jobs.get_report(uow, asked.id).status is ReportStatus.DONE


@pytest.mark.parametrize(
    ("problem", "shown"),
    [
        (DomainError("factor set 'x': not published"), "factor set 'x': not published"),
        (RuntimeError("connection lost at /srv/secret"), "an internal error, logged on the server"),
    ],
)
def test_a_failed_build_says_why_in_words_and_leaves_no_file(
    uow: UnitOfWork, state: CarbonState, settings: Settings, problem: Exception, shown: str
) -> None:
    asked = report_jobs.request_report(uow, ACTOR, OPTIONS)

    def breaks(options: ReportOptions, path: Path, progress: Progress) -> None:
        path.write_bytes(b"half")
        raise problem

    status = report_jobs.build_report(state.uow, settings, asked.id, breaks)
    assert status is ReportStatus.FAILED
    view = report_jobs.get_report(uow, asked.id)
    assert view.error is not None and shown in view.error
    assert "/srv/secret" not in view.error
    assert not any(report_jobs.reports_dir(settings).iterdir())
    with pytest.raises(NotFound, match="no finished file"):
        report_jobs.open_download(uow, settings, ACTOR, asked.id)


def test_a_build_cut_short_by_a_restart_is_marked_failed_not_left_running(
    uow: UnitOfWork, state: CarbonState, settings: Settings
) -> None:
    asked = report_jobs.request_report(uow, ACTOR, OPTIONS)
    with uow:
        row = uow.session.get(ReportJob, asked.id)
        assert row is not None
        row.status = ReportStatus.RUNNING
        row.heartbeat_at = utcnow() - report_jobs.STALE_AFTER - timedelta(seconds=1)
        uow.commit()
    [view] = report_jobs.recent_reports(uow)
    assert view.status is ReportStatus.FAILED
    assert view.error is not None and "cut short" in view.error


def test_a_deleted_file_is_reported_instead_of_a_server_error(
    uow: UnitOfWork, state: CarbonState, settings: Settings
) -> None:
    asked = report_jobs.request_report(uow, ACTOR, OPTIONS)
    report_jobs.build_report(state.uow, settings, asked.id, _writes(b"x"))
    for kept in report_jobs.reports_dir(settings).iterdir():
        kept.unlink()
    with pytest.raises(NotFound, match="no longer on the server"):
        report_jobs.open_download(uow, settings, ACTOR, asked.id)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"date_from": date(2026, 2, 1), "date_to": date(2026, 1, 1)}, "after to"),
        ({"date_from": date(2020, 1, 1), "date_to": date(2026, 1, 1)}, "longer than three years"),
        ({"format": "pdf"}, "format 'pdf': one of xlsx, csv, json"),
    ],
)
def test_bad_options_are_refused_naming_what_is_wrong(
    options: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"date_from": date(2026, 1, 1), "date_to": date(2026, 12, 31)}
    values.update(options)
    with pytest.raises(DomainError, match=message):
        ReportOptions(**values)  # type: ignore[arg-type]
