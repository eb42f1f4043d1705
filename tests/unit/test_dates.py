"""Days typed into filters and API parameters are read one way everywhere."""

from __future__ import annotations

from datetime import date

import pytest

from corp_carbon.domain.dates import parse_day, parse_period
from corp_carbon.domain.errors import DomainError


def test_a_day_is_read_blank_or_missing_as_none() -> None:
    assert parse_day("from", " 2026-03-01 ") == date(2026, 3, 1)
    assert parse_day("from", "  ") is None
    assert parse_day("from", None) is None


def test_a_bad_day_is_refused_naming_the_parameter() -> None:
    with pytest.raises(DomainError, match=r"to '2026-13-01': not a date \(YYYY-MM-DD\)"):
        parse_day("to", "2026-13-01")


def test_a_period_may_be_open_but_not_reversed() -> None:
    assert parse_period(None, "2026-03-01") == (None, date(2026, 3, 1))
    assert parse_period("2026-03-01", "2026-03-01") == (date(2026, 3, 1), date(2026, 3, 1))
    with pytest.raises(DomainError, match="from 2026-03-02: after to 2026-03-01"):
        parse_period("2026-03-02", "2026-03-01")
