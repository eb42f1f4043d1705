"""The company overview's figures computed ahead (``overview_snapshots``), on SQLite and
PostgreSQL: stored exactly, served as computed, marked stale after an import, refreshed by
the scheduler, computed in the background when large, never shown under another group size.

Figures come from tests/report_fixture.py and tests/programme_fixture.py (k = 5; Legal, four
people, is never named).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.config import Settings
from corp_carbon.db.models import OverviewSnapshot
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.overview import Staleness
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.periods import PRESETS, Period, preset
from corp_carbon.domain.reporting import Dimension
from corp_carbon.domain.vocabulary import ImportTrigger
from corp_carbon.jobs import tasks
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest
from corp_carbon.services.ledger.adjustments import adjust
from corp_carbon.services.reports import overview_snapshots as snapshots
from corp_carbon.services.reports.overview import compute_overview
from corp_carbon.web.admin.overview import WORKERS_KEY
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests import report_fixture
from tests.conftest import make_settings
from tests.programme_fixture import seed_ledger, seed_quality
from tests.support import add_directory
from tests.web.test_admin_overview import _read, hr, officer  # noqa: F401
from tests.web.test_api_imports import NAVAN

YEAR_2026 = Period(date(2026, 1, 1), date(2026, 12, 31))
QUERY = "?from=2026-01-01&to=2026-12-31"
#: what differs between two renderings of the same figures: when they were computed (a
#: minute may turn between) and the sign-out form's token (signed with the time).
VARYING = re.compile(
    r'<p class="as-of" data-figure="as-of">.*?</p>|name="csrf_token" value="[^"]*"', re.S
)


@pytest.fixture(autouse=True)
def _background_finished(app: Flask) -> Iterator[None]:
    """Computations a test queued end before its database goes."""
    yield
    pool = app.extensions.get(WORKERS_KEY)
    if pool is not None:
        pool.shutdown(wait=True)


def _seed(uow: UnitOfWork) -> None:
    report_fixture.seed(uow)
    seed_ledger(uow)
    seed_quality(uow)


def _ahead(db_url: str, tmp_path: Path, **reports: int) -> Settings:
    """Settings under which no period with an activity is computed while the page waits."""
    return make_settings(db_url, tmp_path, reports={"overview_inline_limit": 0, **reports})


def _app(settings: Settings) -> Flask:
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


@contextmanager
def _running(settings: Settings) -> Iterator[tuple[Flask, CarbonState]]:
    """An app of its own, its background computations finished before it goes."""
    app = _app(settings)
    try:
        yield app, app.extensions[EXTENSION_KEY]
    finally:
        pool = app.extensions.get(WORKERS_KEY)
        if pool is not None:
            pool.shutdown(wait=True)
        app.extensions[EXTENSION_KEY].dispose()


def _get(client: FlaskClient, query: str = QUERY) -> str:
    response = client.get(f"/admin{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def _rows(uow: UnitOfWork) -> list[OverviewSnapshot]:
    with uow:
        rows = uow.session.scalars(sa.select(OverviewSnapshot).order_by(OverviewSnapshot.id))
        found = list(rows)
        uow.session.expunge_all()
    return found


def _wait_for_figures(client: FlaskClient, query: str = QUERY, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while True:
        html = _get(client, query)
        if 'data-figure="as-of"' in html and "refreshing" not in html:
            return html
        assert time.monotonic() < deadline, "the figures were never computed"
        time.sleep(0.2)


# --- stored exactly ----------------------------------------------------------------------


def test_a_snapshot_reads_back_exactly_what_was_computed(
    uow: UnitOfWork, state: CarbonState
) -> None:
    _seed(uow)
    computed = compute_overview(state.report_uow, state.settings, YEAR_2026)
    snapshots.compute_and_store(state.uow, state.report_uow, state.settings, YEAR_2026)
    read = snapshots.read_overview(state.uow, state.report_uow, state.settings, YEAR_2026)
    assert read.staleness is Staleness.CURRENT and read.snapshot is not None
    assert read.snapshot.figures == computed
    total = read.snapshot.figures.summary(Dimension.MONTH).total
    assert (total.kg_co2e, str(total.kg_co2e)) == (Decimal("816.000"), "816.000")
    (row,) = _rows(uow)
    assert row.settings_key and row.watermark and row.computed_at is not None
    # what is stored is the page's suppressed figures: Legal's four people are not there
    stored = json.dumps(row.figures)
    assert "Legal" not in stored and '"kg_co2e": "816.000"' in stored


def test_figures_of_a_smaller_group_size_are_never_shown(
    uow: UnitOfWork, db_url: str, tmp_path: Path, log_in_as: Callable[..., None]
) -> None:
    _seed(uow)
    loose = make_settings(db_url, tmp_path, privacy={"min_group_size": 1})
    with _running(loose) as (_, loose_state):
        snapshot = snapshots.compute_and_store(
            loose_state.uow, loose_state.report_uow, loose, YEAR_2026
        )
        assert "Legal" in str(snapshot.figures.summary(Dimension.DEPARTMENT).rows)
    with _running(_ahead(db_url, tmp_path)) as (strict_app, _):
        client = strict_app.test_client()
        log_in_as(client, 1, "sustainability")
        html = _get(client)
        assert "Legal" not in html  # the k = 1 figures are not shown under k = 5
        assert "are being computed" in html


# --- served as computed ------------------------------------------------------------------


@pytest.mark.usefixtures("officer")
def test_the_page_from_a_snapshot_is_the_page_computed_inline(
    client: FlaskClient, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(uow)
    inline = _get(client)  # small: computed while the page waits, and stored
    assert len(_rows(uow)) == 1

    def refuse(*args: object) -> None:
        raise AssertionError("computed again instead of reading the snapshot")

    monkeypatch.setattr(snapshots, "compute_overview", refuse)
    stored = _get(client)
    assert "Figures as of" in stored and "refreshing" not in stored
    page, again = _read(inline), _read(stored)
    assert again.tables == page.tables and again.figures == page.figures
    assert page.figures["total-t"] == "0.816 t CO₂e" and page.figures["outstanding"]
    assert VARYING.sub("", stored) == VARYING.sub("", inline)


@pytest.mark.usefixtures("hr")
def test_hr_reads_only_the_points_of_the_snapshot(client: FlaskClient, uow: UnitOfWork) -> None:
    _seed(uow)
    _get(client, "?from=2026-03-01&to=2026-03-31")
    (row,) = _rows(uow)
    assert row.figures is not None and row.figures["summaries"]  # stored in full...
    html = _get(client, "?from=2026-03-01&to=2026-03-31")
    page = _read(html)
    assert page.figures["outstanding"] == "1,375"  # ...HR reads the points part only
    assert "Figures as of" in html
    for hidden in ("CO₂e", "Avoided emissions", "Data quality", "Finance", "Sales"):
        assert hidden not in html, hidden


# --- stale after an import, refreshed in the background -----------------------------------


def test_an_import_after_the_figures_marks_them_as_being_refreshed(
    db_url: str,
    tmp_path: Path,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    _seed(uow)
    settings = _ahead(db_url, tmp_path)
    with _running(settings) as (app, state):
        snapshots.compute_and_store(state.uow, state.report_uow, settings, YEAR_2026)
        client = app.test_client()
        log_in_as(client, 1, "sustainability")
        before = _get(client)
        assert "Figures as of" in before and "refreshing" not in before
        add_directory(create_employee)
        request = ImportRequest(connector="navan", path=NAVAN, file_name=NAVAN.name,
                                trigger=ImportTrigger.CLI, started_by="test")  # fmt: skip
        assert not run_import(state.uow(), settings, request).failed
        after = _get(client)
        assert "An import finished or the methodology changed since" in after
        assert _read(after).figures["total-t"] == "0.816 t CO₂e"  # the stored figures meanwhile
        fresh = _wait_for_figures(client)
        assert "An import finished" not in fresh


def test_a_large_period_is_computed_in_the_background(
    db_url: str, tmp_path: Path, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    _seed(uow)
    with _running(_ahead(db_url, tmp_path)) as (app, _):
        for roles, day in ((("sustainability",), 1), (("hr",), 2)):
            client = app.test_client()
            log_in_as(client, 1, *roles)
            query = f"?from=2026-02-0{day}&to=2026-11-30"
            first = _get(client, query)
            assert "are being computed" in first
            assert "Reload this page in a minute" in first and "Reload now" in first
            assert "Emissions</h2>" not in first and 'data-figure="outstanding"' not in first
            ready = _wait_for_figures(client, query)
            assert "are being computed" not in ready
            assert _read(ready).figures["outstanding"]
            assert ("CO₂e" in ready) is (roles == ("sustainability",))
        for row in _rows(uow):
            assert (row.requested_at, row.started_at, row.error) == (None, None, None)


def test_a_preset_shows_its_previous_figures_while_todays_are_computed(
    db_url: str, tmp_path: Path, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    _seed(uow)
    settings = _ahead(db_url, tmp_path)
    this_year = preset("this-year", datetime.now(UTC).date())
    if this_year.last == this_year.first:
        pytest.skip("on 1 January this year has no earlier day")
    yesterday = Period(this_year.first, this_year.last - timedelta(days=1))
    with _running(settings) as (app, state):
        snapshots.compute_and_store(state.uow, state.report_uow, settings, yesterday, "this-year")
        client = app.test_client()
        log_in_as(client, 1, "sustainability")
        html = _get(client, "")
        assert f"These are the figures up to {yesterday.last}" in html
        assert f"Figures from {this_year.first} to {yesterday.last}" in html
        assert 'aria-current="true">This year</a>' in html
        assert WORKERS_KEY not in app.extensions  # a preset is the scheduler's to refresh
        snapshots.refresh_presets(state.uow, state.report_uow, settings)
        html = _get(client, "")
        assert f"Figures from {this_year.first} to {this_year.last}" in html
        assert "refreshing" not in html
    periods = [(r.period_first, r.period_last) for r in _rows(uow)]
    assert (this_year.first, this_year.last) in periods
    assert (yesterday.first, yesterday.last) not in periods  # one row per preset, not per day


def test_points_posted_one_by_one_do_not_mark_large_figures_stale(
    db_url: str, tmp_path: Path, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    _seed(uow)
    settings = _ahead(db_url, tmp_path)
    with _running(settings) as (app, state):
        snapshots.compute_and_store(state.uow, state.report_uow, settings, YEAR_2026)
        adjust(state.uow(), Actor(label="hr@example.com"), employee="finance0@example.com",
               points=10, reason="a late correction", request_key="late-1")  # fmt: skip
        client = app.test_client()
        log_in_as(client, 1, "sustainability")
        html = _get(client)
        assert "Figures as of" in html and "refreshing" not in html
        assert WORKERS_KEY not in app.extensions  # nothing queued
        # a small company's figures follow every change: computed again while it waits
        (before,) = _rows(uow)
        with _running(make_settings(db_url, tmp_path)) as (small_app, _):
            small = small_app.test_client()
            log_in_as(small, 1, "sustainability")
            _get(small)
        (after,) = _rows(uow)
        assert before.watermark is not None and after.watermark is not None
        assert after.watermark["ledger_transaction"] > before.watermark["ledger_transaction"]
        read = snapshots.read_overview(state.uow, state.report_uow, settings, YEAR_2026)
        assert read.staleness is Staleness.CURRENT and not read.queued_now


# --- the scheduler --------------------------------------------------------------------------


def test_the_scheduler_job_refreshes_the_presets_and_finishes_queued_periods(
    uow: UnitOfWork, state: CarbonState
) -> None:
    _seed(uow)
    assert snapshots.request_computation(state.uow, YEAR_2026, None)  # a web process died
    tasks.set_runtime(tasks.Runtime(state.settings, state.engine, state.session_factory))
    try:
        tasks.refresh_overview()
    finally:
        tasks.set_runtime(None)
    today = datetime.now(UTC).date()
    rows = {(r.period_first, r.period_last): r for r in _rows(uow)}
    for name in PRESETS:
        period = preset(name, today)
        row = rows[(period.first, period.last)]
        assert row.computed_at is not None and row.figures is not None, name
    queued = rows[(YEAR_2026.first, YEAR_2026.last)]
    assert (queued.requested_at, queued.started_at) == (None, None)
    assert queued.figures is not None
    assert queued.figures["summaries"][0]["business_travel"]["kg_co2e"] == "800.000"
