"""Data quality of a period on the hand-computed fixture (tests/programme_fixture.py), on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.data_quality import DistanceShare, RunCounts
from corp_carbon.services.reports.quality import connector_words, data_quality
from tests.programme_fixture import PERIOD, seed_quality


def test_runs_of_march_per_source_and_per_run(uow: UnitOfWork) -> None:
    seed_quality(uow)
    quality = data_quality(uow, *PERIOD)
    assert [(s.source, s.connector, s.runs, s.counts) for s in quality.sources] == [
        ("Concur nightly", "SAP Concur itinerary export", 2, RunCounts(150, 120, 7, 4, 10, 6, 3)),
        ("Navan uploads", "Navan booking export", 1, RunCounts(20, 18, 0, 2, 0, 0, 0)),
    ]
    assert quality.totals == RunCounts(170, 138, 7, 6, 10, 6, 3)
    assert [(r.source, r.started_at, r.counts.read) for r in quality.runs] == [
        ("Concur nightly", datetime(2026, 3, 2, 2, tzinfo=UTC), 100),
        ("Concur nightly", datetime(2026, 3, 3, 2, tzinfo=UTC), 50),
        ("Navan uploads", datetime(2026, 3, 31, 23, tzinfo=UTC), 20),
    ]
    assert quality.runs[0].connector == "SAP Concur itinerary export"
    assert quality.runs[0].file_name == "2026-03-02.csv"


def test_how_the_distances_of_march_were_obtained(uow: UnitOfWork) -> None:
    seed_quality(uow)
    quality = data_quality(uow, *PERIOD)
    assert quality.activities == 11
    assert quality.distances == (
        DistanceShare("given", 4, Decimal("0.3636")),
        DistanceShare("computed", 2, Decimal("0.1818")),
        DistanceShare("estimated", 1, Decimal("0.0909")),
        DistanceShare("declared", 1, Decimal("0.0909")),
        DistanceShare("spend", 2, Decimal("0.1818")),
        DistanceShare("none", 1, Decimal("0.0909")),
    )
    assert quality.distances[4].label == "Spend-based (from the price, no distance)"
    assert (quality.flights, quality.flights_without_cabin) == (6, 3)
    assert quality.flights_without_cabin_share == Decimal("0.5000")


def test_travellers_waiting_for_an_employee_record(uow: UnitOfWork) -> None:
    seed_quality(uow)
    quality = data_quality(uow, *PERIOD)
    assert (quality.waiting_records, quality.waiting_travellers) == (4, 3)
    # they wait now, whatever period is asked
    later = data_quality(uow, date(2027, 1, 1), date(2027, 1, 31))
    assert (later.waiting_records, later.waiting_travellers) == (4, 3)
    assert later.sources == () and later.runs == () and later.distances == ()
    assert (later.activities, later.flights) == (0, 0)
    assert later.flights_without_cabin_share == Decimal("0.0000")


def test_a_connector_no_longer_installed_keeps_its_name() -> None:
    assert connector_words("legacy-xml") == "legacy-xml"
    assert connector_words("travelperk") == "TravelPerk trips export"
