"""Report periods: presets, a from/to pair checked with errors naming the field, months."""

from __future__ import annotations

from datetime import date

import pytest

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.periods import Period, chosen_period, month_label, preset

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("this-month", date(2026, 12, 1), TODAY),
        ("last-12-months", date(2026, 1, 1), TODAY),
        ("this-year", date(2026, 1, 1), TODAY),
        ("last-year", date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_presets_end_today_or_cover_last_year(name: str, first: date, last: date) -> None:
    assert preset(name, TODAY) == Period(first, last)


def test_last_12_months_reaches_into_last_year() -> None:
    assert preset("last-12-months", date(2026, 3, 15)) == Period(
        date(2025, 4, 1), date(2026, 3, 15)
    )


def test_no_dates_and_no_preset_is_this_year() -> None:
    assert chosen_period(None, "", None, TODAY) == Period(date(2026, 1, 1), TODAY)
    assert chosen_period(None, None, "last-year", TODAY).first == date(2025, 1, 1)


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "message"),
    [
        ("2026-02-30", "2026-03-01", "from '2026-02-30': not a date"),
        ("2026-03-01", "tomorrow", "to 'tomorrow': not a date"),
        ("2026-03-01", None, "to: give the last day"),
        (None, "2026-03-01", "from: give the first day"),
        ("2026-03-02", "2026-03-01", "to 2026-03-01: before from 2026-03-02"),
        ("2020-01-01", "2023-01-03", "to 2023-01-03: a period can be at most 1098 days long"),
    ],
)
def test_a_bad_period_names_the_field(
    raw_from: str | None, raw_to: str | None, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        chosen_period(raw_from, raw_to, None, TODAY)


def test_an_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(DomainError, match="period 'decade': one of this-month, last-12-months"):
        chosen_period(None, None, "decade", TODAY)


def test_the_longest_period_is_accepted() -> None:
    assert chosen_period("2020-01-01", "2023-01-02", None, TODAY).days == 1098


def test_months_of_a_period_across_a_new_year() -> None:
    assert Period(date(2025, 11, 30), date(2026, 2, 1)).months() == [
        "2025-11", "2025-12", "2026-01", "2026-02",
    ]  # fmt: skip
    assert month_label("2026-03") == "Mar 2026"
    assert month_label("Other (fewer than 5)") == "Other (fewer than 5)"
