"""The catalogue's rules: where a reward stands, its window in days, what an edit changed, and
which picture addresses are accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corp_carbon.domain.reward_catalogue import (
    CatalogueState,
    catalogue_state,
    changes,
    end_after,
    first_day,
    last_day,
    start_of,
)
from corp_carbon.domain.rewards import image_url_problem
from corp_carbon.domain.vocabulary import RewardKind

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("active", "starts", "ends", "state"),
    [
        (True, None, None, CatalogueState.ACTIVE),
        (True, NOW - DAY, NOW + DAY, CatalogueState.ACTIVE),
        (True, NOW, None, CatalogueState.ACTIVE),  # from this very instant
        (True, NOW + DAY, None, CatalogueState.SCHEDULED),
        (True, None, NOW, CatalogueState.ENDED),  # the end is exclusive
        (True, NOW + DAY, NOW - DAY, CatalogueState.ENDED),
        (False, NOW + DAY, None, CatalogueState.RETIRED),  # retired wins over its dates
    ],
)
def test_where_a_reward_stands(
    active: bool, starts: datetime | None, ends: datetime | None, state: CatalogueState
) -> None:
    assert catalogue_state(active=active, active_from=starts, active_until=ends, now=NOW) is state


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 30)))
def test_days_and_instants_round_trip(day: date) -> None:
    assert first_day(start_of(day)) == day
    assert last_day(end_after(day)) == day
    assert end_after(day) - start_of(day) == DAY


def test_a_window_set_as_instants_reads_as_the_days_it_covers() -> None:
    assert last_day(datetime(2026, 3, 31, 17, 30, tzinfo=UTC)) == date(2026, 3, 31)
    assert last_day(datetime(2026, 4, 1, tzinfo=UTC)) == date(2026, 3, 31)


def test_changes_lists_what_differs_json_ready() -> None:
    before = {"name": "Rail", "kind": RewardKind.VOUCHER, "stock": 4, "active_until": None}
    after = {
        "name": "Rail",
        "kind": RewardKind.PERK,
        "stock": None,
        "active_until": end_after(date(2026, 3, 31)),
    }
    assert changes(before, after) == {
        "kind": ["voucher", "perk"],
        "stock": [4, None],
        "active_until": [None, "2026-04-01T00:00:00+00:00"],
    }
    assert changes(after, after) == {}


@pytest.mark.parametrize(
    "url",
    ["https://intranet.example.com/img/rail.png", "https://intranet/rail.png", "/img/bike.png"],
)
def test_accepted_picture_addresses(url: str) -> None:
    assert image_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://intranet.example.com/rail.png", "https://"),
        ("javascript:alert(1)", "https://"),
        ("data:image/png;base64,AAAA", "https://"),
        ("//evil.example/x.png", "https://"),
        ("https:///x.png", "https://"),
        ('https://x.example/a.png" onerror="alert(1)', "no spaces, quotes"),
        ("https://x.example/" + "a" * 500, "at most 500 characters"),
    ],
)
def test_refused_picture_addresses(url: str, says: str) -> None:
    problem = image_url_problem(url)
    assert problem is not None and says in problem
