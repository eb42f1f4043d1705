"""The rules of rewards without a database: limit periods, what blocks an offer, which status
changes are allowed, and that a refund gives back exactly what the hold took."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.ledger import check_balanced
from corp_carbon.domain.rewards import (
    COUNTED,
    LIMIT_PERIODS,
    MAX_NAME,
    REFUNDED,
    TRANSITIONS,
    InvalidTransition,
    RewardSpec,
    approved_at_once,
    check_transition,
    hand_over,
    hold_legs,
    offer_blocked,
    period_start,
    refund_legs,
    rejection_reason,
    spec_from_row,
    spec_problems,
    unavailable_reason,
    used_in_period,
)
from corp_carbon.domain.vocabulary import RedemptionStatus, RewardKind

moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)
calendar_periods = st.sampled_from(["month", "quarter", "year"])
statuses = st.sampled_from(list(RedemptionStatus))
points = st.integers(min_value=1, max_value=2**53)
#: the only status changes the diagram in ``domain/rewards.py`` draws.
DIAGRAM = {
    (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED),
    (RedemptionStatus.REQUESTED, RedemptionStatus.REJECTED),
    (RedemptionStatus.REQUESTED, RedemptionStatus.CANCELLED),
    (RedemptionStatus.APPROVED, RedemptionStatus.REJECTED),
    (RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED),
}


# --- limits and periods ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(now=moments, period=calendar_periods)
def test_a_period_starts_on_the_first_of_a_month_no_later_than_now(
    now: datetime, period: str
) -> None:
    start = period_start(period, now)
    assert start is not None
    assert start.tzinfo is UTC and start.day == 1 and start.time() == datetime.min.time()
    assert start <= now
    assert start.month in {"month": range(1, 13), "quarter": (1, 4, 7, 10), "year": (1,)}[period]
    assert now - start < timedelta(days={"month": 31, "quarter": 92, "year": 366}[period])
    assert period_start(period, start) == start  # the start is inside its own period


@given(now=moments)
def test_the_periods_nest_and_ever_has_no_start(now: datetime) -> None:
    month, quarter, year = (period_start(p, now) for p in ("month", "quarter", "year"))
    assert month is not None and quarter is not None and year is not None
    assert year <= quarter <= month <= now
    assert period_start("ever", now) is None


def test_an_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="fortnight"):
        period_start("fortnight", datetime(2026, 5, 1, tzinfo=UTC))


@settings(max_examples=200, deadline=None)
@given(
    now=moments,
    earlier=st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800))),
)
def test_used_counts_what_falls_in_the_period_and_longer_periods_count_more(
    now: datetime, earlier: list[timedelta]
) -> None:
    requested = [now - ago for ago in earlier]
    counts = [used_in_period(requested, p, now) for p in ("month", "quarter", "year", "ever")]
    assert counts == sorted(counts)
    assert counts[-1] == len(requested)
    start = period_start("month", now)
    assert counts[0] == sum(1 for at in requested if start is not None and at >= start)


@given(
    stock=st.none() | st.integers(min_value=-3, max_value=5),
    limit=st.none() | st.integers(min_value=1, max_value=5),
    period=st.sampled_from(LIMIT_PERIODS),
    cost=points,
    used=st.integers(min_value=0, max_value=6),
    balance=st.integers(min_value=0, max_value=2**53),
)
def test_an_offer_is_open_exactly_when_stock_limit_and_balance_allow(
    stock: int | None, limit: int | None, period: str, cost: int, used: int, balance: int
) -> None:
    blocked = offer_blocked(
        stock=stock,
        per_person_limit=limit,
        limit_period=period,
        cost_points=cost,
        used=used,
        balance=balance,
    )
    in_stock = stock is None or stock > 0
    under_limit = limit is None or used < limit
    assert (blocked is None) == (in_stock and under_limit and balance >= cost)
    if not in_stock:
        assert blocked == "Out of stock"
    elif not under_limit:
        assert blocked is not None and blocked.startswith("Limit reached: ")
    elif balance < cost:
        assert blocked == f"You need {cost - balance:,} more points"


@given(auto=st.booleans(), cost=points, below=st.integers(min_value=0, max_value=2**53))
def test_approved_at_once_when_flagged_or_below_the_threshold(
    auto: bool, cost: int, below: int
) -> None:
    assert approved_at_once(auto_approve=auto, cost_points=cost, auto_approve_below=below) == (
        auto or cost < below
    )


@given(
    now=moments,
    active=st.booleans(),
    starts=st.none() | st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=30)),
    ends=st.none() | st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=30)),
)
def test_a_reward_is_available_while_active_and_inside_its_window(
    now: datetime, active: bool, starts: timedelta | None, ends: timedelta | None
) -> None:
    active_from = None if starts is None else now + starts
    active_until = None if ends is None else now + ends
    reason = unavailable_reason(
        "Rail voucher", active=active, active_from=active_from, active_until=active_until, now=now
    )
    inside = (active_from is None or active_from <= now) and (
        active_until is None or now < active_until
    )
    assert (reason is None) == (active and inside)
    if reason is not None:
        assert reason.startswith("'Rail voucher'")


# --- status changes and refunds --------------------------------------------------------------


@given(current=statuses, target=statuses)
def test_only_the_drawn_status_changes_are_allowed(
    current: RedemptionStatus, target: RedemptionStatus
) -> None:
    if (current, target) in DIAGRAM:
        check_transition(7, current, target)
    else:
        with pytest.raises(InvalidTransition) as refused:
            check_transition(7, current, target)
        assert refused.value.message.startswith(f"redemption 7 is {current.value}; ")
        assert f"cannot become {target.value}" in refused.value.message
        assert refused.value.http_status == 409


def test_settled_redemptions_never_change_and_a_refund_ends_the_counting() -> None:
    sources = {source for allowed in TRANSITIONS.values() for source in allowed}
    settled = set(RedemptionStatus) - sources
    assert settled == {
        RedemptionStatus.FULFILLED,
        RedemptionStatus.REJECTED,
        RedemptionStatus.CANCELLED,
    }
    assert settled >= REFUNDED  # refunded once, never again
    assert set(COUNTED) == set(RedemptionStatus) - REFUNDED  # a refunded one frees the limit


@given(employee_id=st.integers(min_value=1, max_value=2**31), amount=points)
def test_a_refund_gives_back_exactly_what_the_hold_took(employee_id: int, amount: int) -> None:
    hold, refund = hold_legs(employee_id, amount), refund_legs(employee_id, amount)
    assert check_balanced(hold) == hold and check_balanced(refund) == refund
    net: Counter[str] = Counter()
    for leg in [*hold, *refund]:
        net[leg.account] += leg.amount
    assert set(net.values()) == {0}
    assert min(leg.amount for leg in hold) == -amount  # the employee pays the cost once


@given(reason=st.text(max_size=40))
def test_a_rejection_needs_a_reason_with_words(reason: str) -> None:
    if reason.strip():
        assert rejection_reason(reason) == reason.strip()
    else:
        with pytest.raises(DomainError, match=r"^reason: "):
            rejection_reason(reason)


@given(code=st.none() | st.text(max_size=MAX_NAME + 5), note=st.none() | st.text(max_size=20))
def test_a_hand_over_records_a_voucher_code_or_a_note(code: str | None, note: str | None) -> None:
    trimmed_code = (code or "").strip() or None
    trimmed_note = (note or "").strip() or None
    if (trimmed_code is None and trimmed_note is None) or len(trimmed_code or "") > MAX_NAME:
        with pytest.raises(DomainError, match=r"^voucher_code: "):
            hand_over(code, note)
    else:
        assert hand_over(code, note) == (trimmed_code, trimmed_note)


# --- catalogue items -------------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(categories=("L", "N"), include_characters=" -"), min_size=1, max_size=40
).filter(lambda name: name.strip() == name)
specs = st.builds(
    RewardSpec,
    name=names,
    cost_points=points,
    kind=st.sampled_from([RewardKind.VOUCHER, RewardKind.PERK]),
    stock=st.none() | st.integers(min_value=0, max_value=10_000),
    per_person_limit=st.none() | st.integers(min_value=1, max_value=50),
    limit_period=st.sampled_from(LIMIT_PERIODS),
    auto_approve=st.booleans(),
)


@given(spec=specs)
def test_a_good_spec_reads_back_from_its_catalogue_row(spec: RewardSpec) -> None:
    assert spec_problems(spec) == []
    row = {
        "name": spec.name,
        "kind": spec.kind.value,
        "cost_points": str(spec.cost_points),
        "stock": "" if spec.stock is None else str(spec.stock),
        "per_person_limit": "" if spec.per_person_limit is None else str(spec.per_person_limit),
        "limit_period": spec.limit_period,
        "auto_approve": "yes" if spec.auto_approve else "",
    }
    assert spec_from_row(row) == (spec, [])


@given(spec=specs, cost=st.integers(max_value=0), stock=st.integers(max_value=-1))
def test_each_bad_value_is_named_by_its_field(spec: RewardSpec, cost: int, stock: int) -> None:
    problems = spec_problems(
        RewardSpec(**{**spec.__dict__, "cost_points": cost, "stock": stock, "limit_period": "day"})
    )
    assert [field for field, _ in problems] == ["cost_points", "stock", "limit_period"]
