"""The carbon account's rules without a database: the year a page or the API accepts, what
a balance is worth and stands for, which rewards it reaches; and the widget's origins as
the configuration accepts them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.wrappers import Response

from corp_carbon.config import ConfigError, load_settings
from corp_carbon.domain.account import (
    Figures,
    InvalidYear,
    PeriodFigures,
    avoided_behind,
    balance_value,
    parse_year,
    period_figures,
    rewards_in_reach,
    year_choices,
    year_months,
)
from corp_carbon.domain.vocabulary import ActivityKind
from corp_carbon.web.security_headers import set_frame_ancestors

TODAY = date(2026, 12, 2)
BIKE = Figures(2, Decimal("0.000"), Decimal("2.500"), 2500)
TRAIN = Figures(1, Decimal("2.050"), Decimal("41.181"), 41181)


def test_a_year_is_a_whole_number_from_2000_to_next_year() -> None:
    assert parse_year(None, TODAY) == 2026 and parse_year("  ", TODAY) == 2026
    assert parse_year("2025", TODAY) == 2025 and parse_year("2027", TODAY) == 2027
    for bad in ("1999", "2028", "20x6", "2026.0", "-2026", "２０２６"):
        with pytest.raises(InvalidYear) as refused:
            parse_year(bad, TODAY)
        assert refused.value.http_status == 422
        assert refused.value.message == f"year {bad!r}: a whole number from 2000 to 2027"


def test_months_and_years_add_up_per_kind() -> None:
    cells = {
        ((2026, 1), ActivityKind.COMMUTE): BIKE,
        ((2026, 1), ActivityKind.BUSINESS_TRAVEL): TRAIN,
        ((2026, 3), ActivityKind.COMMUTE): BIKE,
        ((2025, 12), ActivityKind.BUSINESS_TRAVEL): TRAIN,
    }
    months = year_months(2026, cells)
    assert [m.period for m in months][:3] == ["2026-01", "2026-02", "2026-03"]
    assert months[0] == PeriodFigures("2026-01", TRAIN, BIKE)
    assert months[0].total == Figures(3, Decimal("2.050"), Decimal("43.681"), 43681)
    assert months[1].empty and not months[2].empty
    year = period_figures("2026", cells, [(2026, m) for m in range(1, 13)])
    assert year.commute == BIKE + BIKE and year.business == TRAIN  # not December 2025's


def test_what_a_balance_is_worth_and_stands_for() -> None:
    assert balance_value(14_017_420, Decimal("0.001")) == Decimal("14017.42")
    assert balance_value(1_234, Decimal("0.001")) == Decimal("1.23")
    assert balance_value(-50, Decimal("0.001")) == Decimal("0.00")
    # 1 point per gram: 43,681 points earned for 43.681 kg; 10,000 left stand for 10 kg
    assert avoided_behind(10_000, Decimal("43.681"), 43_681) == Decimal("10.000")
    # a rate card pays 2 points a gram: the same balance stands for half as much
    assert avoided_behind(10_000, Decimal("43.681"), 87_362) == Decimal("5.000")
    assert avoided_behind(500, Decimal("0"), 0) is None  # HR's goodwill, no trip earned yet


def test_the_rewards_a_balance_reaches_and_the_next_one() -> None:
    catalogue = [(1, "Tree", 5_000), (2, "Bike service", 8_000), (3, "Rail pass", 120_000)]
    cheapest, reached, upcoming = rewards_in_reach(10_000, catalogue)
    assert cheapest is not None and cheapest.name == "Tree" and cheapest.points_needed == 0
    assert reached == 2
    assert upcoming is not None and upcoming.name == "Rail pass"
    assert upcoming.points_needed == 110_000
    assert rewards_in_reach(0, []) == (None, 0, None)
    none_yet = rewards_in_reach(100, catalogue)
    assert none_yet[0] is None and none_yet[2] is not None and none_yet[2].name == "Tree"


def test_the_year_selector_offers_years_with_trips_and_this_one() -> None:
    assert year_choices({2024, 2025, 1970}, TODAY) == (2026, 2025, 2024)
    assert year_choices(set(), TODAY) == (2026,)


def test_widget_origins_are_checked_when_the_configuration_loads() -> None:
    settings = load_settings(
        {"web": {"widget_allowed_origins": [
            "https://Portal.Example.com", "https://*.intranet.example.com:8443", "'self'",
            "http://localhost:5000", "https://portal.example.com",
        ]}},
        environ={},
    )  # fmt: skip
    assert settings.web.widget_allowed_origins == [
        "https://portal.example.com",
        "https://*.intranet.example.com:8443",
        "'self'",
        "http://localhost:5000",
    ]
    for bad in ("*", "https://*.com", "https://portal.example.com/", "portal.example.com",
                "ftp://portal.example.com", "https://portal.example.com?x=1",
                "https://user@portal.example.com", "https://portal.example.com:99999",
                "https://portal.*.example.com", "'none'"):  # fmt: skip
        with pytest.raises(ConfigError) as refused:
            load_settings({"web": {"widget_allowed_origins": [bad]}}, environ={})
        assert str(refused.value).startswith("[web] widget_allowed_origins:"), bad
        assert repr(bad) in str(refused.value)
    from_env = load_settings(
        environ={"CORP_CARBON_WEB_WIDGET_ALLOWED_ORIGINS": '["https://portal.example.com"]'}
    )
    assert from_env.web.widget_allowed_origins == ["https://portal.example.com"]


def test_a_policy_a_view_set_keeps_its_directives_and_gains_frame_ancestors() -> None:
    picture = Response()
    picture.headers["Content-Security-Policy"] = "default-src 'none'"  # a reward picture's
    set_frame_ancestors(picture, "'none'")
    assert (
        picture.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert picture.headers["X-Frame-Options"] == "DENY"
    widget = Response()
    widget.headers["X-Frame-Options"] = "DENY"
    set_frame_ancestors(widget, "https://portal.example.com")
    assert widget.headers["Content-Security-Policy"] == "frame-ancestors https://portal.example.com"
    assert "X-Frame-Options" not in widget.headers  # DENY would override the allowed portal
