"""Exact figures: decimals stored as scaled integers, timestamps always UTC-aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from corp_carbon.db.types import ScaledDecimal, UTCDateTime
from corp_carbon.domain.geo import haversine_km

PG = postgresql.dialect()
LITE = sqlite.dialect()


def test_scaled_decimal_round_trip_is_exact() -> None:
    kg = ScaledDecimal(3)
    stored = kg.process_bind_param(Decimal("1234.5675"), PG)
    assert stored == 1234568  # ROUND_HALF_UP to the gram
    assert kg.process_result_value(stored, PG) == Decimal("1234.568")


def test_scaled_decimal_refuses_floats() -> None:
    with pytest.raises(TypeError, match="refuses floats"):
        ScaledDecimal(3).process_bind_param(0.1, PG)


def test_utc_datetime_normalises_and_refuses_naive() -> None:
    column = UTCDateTime()
    cet = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    stored = column.process_bind_param(cet, LITE)
    assert stored == datetime(2026, 1, 1, 11, 0)
    assert column.process_result_value(stored, LITE) == datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        column.process_bind_param(datetime(2026, 1, 1), PG)


def test_haversine_london_heathrow_to_new_york_jfk() -> None:
    # LHR 51.4706,-0.461941  JFK 40.639801,-73.7789 (airportsdata); ~5,540 km great circle
    km = haversine_km(51.4706, -0.461941, 40.639801, -73.7789)
    assert Decimal("5535") < km < Decimal("5545")
    assert km == km.quantize(Decimal("0.001"))
    assert haversine_km(10, 10, 10, 10) == Decimal("0.000")
