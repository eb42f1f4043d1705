"""The scheduler's refresh of the overview's preset periods, on SQLite and PostgreSQL: a period
another process is computing is left to it (never computed twice at once), a claim cut short
is taken over, December's two equal presets are computed once, and figures of from/to periods
are dropped a week after they were computed.

Figures come from tests/report_fixture.py (15 activities in March 2026).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import OverviewSnapshot
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.overview import OverviewFigures
from corp_carbon.domain.periods import PRESETS, Period, preset
from corp_carbon.services.reports import overview_snapshots as snapshots
from corp_carbon.web.state import CarbonState
from tests import report_fixture

TODAY = datetime.now(UTC).date()
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def _rows(uow: UnitOfWork) -> dict[Period, OverviewSnapshot]:
    with uow:
        found = list(uow.session.scalars(sa.select(OverviewSnapshot)))
        uow.session.expunge_all()
    return {Period(r.period_first, r.period_last): r for r in found}


def _set(uow: UnitOfWork, period: Period, **values: object) -> None:
    with uow:
        uow.session.execute(
            sa.update(OverviewSnapshot)
            .where(
                OverviewSnapshot.period_first == period.first,
                OverviewSnapshot.period_last == period.last,
            )
            .values(**values)
        )
        uow.commit()


def _claimed_elsewhere(state: CarbonState, period: Period, name: str, since: datetime) -> None:
    """What another process computing ``period`` leaves on its row: asked for, started."""
    assert snapshots.request_computation(state.uow, period, name)
    _set(state.uow(), period, started_at=since)


def test_a_period_another_process_computes_is_left_to_it(
    uow: UnitOfWork, state: CarbonState
) -> None:
    report_fixture.seed(uow)
    this_month = preset("this-month", TODAY)
    since = datetime.now(UTC) - timedelta(minutes=5)
    _claimed_elsewhere(state, this_month, "this-month", since)
    done = {d.preset: d for d in snapshots.refresh_presets(state.uow, state.report_uow,
                                                           state.settings)}  # fmt: skip
    assert set(done) == set(PRESETS)
    left = done["this-month"]
    assert left.snapshot is None and left.busy_since is not None
    assert abs(left.busy_since.replace(tzinfo=UTC) - since) < timedelta(seconds=1)
    rows = _rows(uow)
    row = rows[this_month]
    assert row.figures is None and row.started_at is not None  # still the other process's
    for name in PRESETS:
        if preset(name, TODAY) != this_month:
            assert done[name].snapshot is not None, name
            other = rows[preset(name, TODAY)]
            assert other.figures is not None and other.started_at is None, name
    # the other process died: two hours later its claim is taken over
    _set(uow, this_month, started_at=(datetime.now(UTC) - timedelta(hours=3)))
    again = {d.preset: d for d in snapshots.refresh_presets(state.uow, state.report_uow,
                                                            state.settings)}  # fmt: skip
    assert again["this-month"].snapshot is not None
    row = _rows(uow)[this_month]
    assert row.figures is not None
    assert (row.requested_at, row.started_at, row.error) == (None, None, None)


def test_two_refreshes_at_once_never_compute_one_period_twice_at_once(
    uow: UnitOfWork, state: CarbonState, monkeypatch: pytest.MonkeyPatch
) -> None:
    report_fixture.seed(uow)
    running: dict[Period, int] = {}
    overlaps: list[Period] = []
    computed: list[Period] = []
    lock = threading.Lock()
    real = snapshots.compute_overview

    def watched(report: Callable[[], UnitOfWork], settings: Settings, period: Period
                ) -> OverviewFigures:  # fmt: skip
        with lock:
            running[period] = running.get(period, 0) + 1
            if running[period] > 1:
                overlaps.append(period)
            computed.append(period)
        try:
            time.sleep(0.3)  # long enough for the other refresh to reach the same period
            return real(report, settings, period)
        finally:
            with lock:
                running[period] -= 1

    monkeypatch.setattr(snapshots, "compute_overview", watched)
    errors: list[BaseException] = []

    def refresh() -> None:
        try:
            snapshots.refresh_presets(state.uow, state.report_uow, state.settings)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert overlaps == []
    periods = {preset(name, TODAY) for name in PRESETS}
    assert set(computed) == periods
    for period, row in _rows(uow).items():
        assert row.figures is not None and row.started_at is None, period


def test_in_december_the_last_12_months_and_this_year_are_computed_once(
    uow: UnitOfWork, state: CarbonState, monkeypatch: pytest.MonkeyPatch
) -> None:
    report_fixture.seed(uow)
    december = date(2026, 12, 3)
    year = Period(date(2026, 1, 1), december)
    assert preset("last-12-months", december) == preset("this-year", december) == year
    yesterday = Period(year.first, december - timedelta(days=1))
    snapshots.compute_and_store(state.uow, state.report_uow, state.settings, yesterday,
                                "this-year")  # fmt: skip
    computed: list[Period] = []
    real = snapshots.compute_overview

    def counted(report: Callable[[], UnitOfWork], settings: Settings, period: Period
                ) -> OverviewFigures:  # fmt: skip
        computed.append(period)
        return real(report, settings, period)

    monkeypatch.setattr(snapshots, "compute_overview", counted)
    done = snapshots.refresh_presets(state.uow, state.report_uow, state.settings, december)
    assert computed.count(year) == 1 and len(computed) == 3
    by_name = {d.preset: d for d in done}
    assert by_name["this-year"].snapshot == by_name["last-12-months"].snapshot
    assert by_name["this-year"].snapshot is not None
    assert by_name["this-year"].snapshot.figures.summaries[0].total.activities == 15
    assert yesterday not in _rows(uow)  # this year's figures of yesterday made way


def test_figures_of_chosen_periods_go_a_week_after_they_were_computed(
    uow: UnitOfWork, state: CarbonState
) -> None:
    report_fixture.seed(uow)
    old, recent, asked = (
        MARCH,
        Period(date(2026, 2, 1), date(2026, 2, 28)),
        Period(date(2026, 4, 1), date(2026, 4, 30)),
    )
    for period in (old, recent, asked):
        snapshots.compute_and_store(state.uow, state.report_uow, state.settings, period)
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    _set(uow, old, computed_at=eight_days_ago)
    _set(uow, asked, computed_at=eight_days_ago)
    assert snapshots.request_computation(state.uow, asked, None)  # somebody is waiting for it
    snapshots.refresh_presets(state.uow, state.report_uow, state.settings)
    rows = _rows(uow)
    assert old not in rows
    assert recent in rows and asked in rows
    assert all(preset(name, TODAY) in rows for name in PRESETS)
