"""The ledger's pure rules, without a database: balanced postings, request fingerprints and
FIFO expiry (``corp_carbon.domain.ledger``)."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corp_carbon.domain.ledger import (
    LedgerInvariantError,
    Leg,
    Lot,
    check_balanced,
    employee_code,
    fifo_expirable,
    request_hash,
    system_code,
)
from corp_carbon.domain.vocabulary import AccountKind

ACCOUNTS = st.one_of(
    st.sampled_from([system_code(kind) for kind in AccountKind if kind != AccountKind.EMPLOYEE]),
    st.integers(1, 10**6).map(employee_code),
)
AMOUNTS = st.integers(-(10**9), 10**9).filter(bool)


@st.composite
def balanced_legs(draw: st.DrawFn) -> list[Leg]:
    """Legs that sum to zero: any non-zero amounts, closed by the one that balances them."""
    amounts = draw(st.lists(AMOUNTS, min_size=1, max_size=6))
    if sum(amounts) == 0:
        amounts.append(draw(AMOUNTS))
        amounts.append(-amounts[-1])
    else:
        amounts.append(-sum(amounts))
    return [Leg(draw(ACCOUNTS), amount) for amount in amounts]


# --- a posting always balances -----------------------------------------------------------------


@given(balanced_legs())
def test_legs_that_sum_to_zero_are_accepted_as_they_are(legs: list[Leg]) -> None:
    assert check_balanced(iter(legs)) == legs


@given(balanced_legs())
def test_the_reversal_of_a_balanced_posting_balances_too(legs: list[Leg]) -> None:
    reversal = [Leg(leg.account, -leg.amount) for leg in legs]
    assert check_balanced(reversal) == reversal


@given(balanced_legs(), st.data())
def test_a_posting_off_by_any_amount_is_refused(legs: list[Leg], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(legs) - 1))
    error = data.draw(AMOUNTS.filter(lambda e: legs[index].amount + e != 0))
    legs[index] = Leg(legs[index].account, legs[index].amount + error)
    with pytest.raises(LedgerInvariantError, match="sum to"):
        check_balanced(legs)


@given(balanced_legs(), st.data())
def test_a_zero_entry_is_refused_even_when_the_rest_balances(
    legs: list[Leg], data: st.DataObject
) -> None:
    legs.insert(data.draw(st.integers(0, len(legs))), Leg(system_code(AccountKind.EXPIRY), 0))
    with pytest.raises(LedgerInvariantError, match="0 points"):
        check_balanced(legs)


@pytest.mark.parametrize("amount", [Decimal("1.5"), 1.0, True])
def test_only_whole_points_are_posted(amount: object) -> None:
    legs = [Leg("employee:1", amount), Leg("system:issuance", -1)]  # type: ignore[arg-type]
    with pytest.raises(LedgerInvariantError, match="whole number"):
        check_balanced(legs)


@given(st.lists(st.builds(Leg, ACCOUNTS, AMOUNTS), max_size=1))
def test_a_posting_needs_two_sides(legs: list[Leg]) -> None:
    with pytest.raises(LedgerInvariantError, match="two entries"):
        check_balanced(legs)


# --- request fingerprints ----------------------------------------------------------------------

PAYLOADS = st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda k: k != "kind"),
    st.one_of(st.integers(), st.text(max_size=12), st.dates(), st.none()),
    max_size=6,
)


@given(st.text(max_size=12), PAYLOADS)
def test_the_same_request_has_the_same_fingerprint_whatever_the_key_order(
    kind: str, payload: dict[str, object]
) -> None:
    reordered = dict(reversed(list(payload.items())))
    fingerprint = request_hash(kind, payload)
    assert fingerprint == request_hash(kind, reordered)
    assert len(fingerprint) == 64 and int(fingerprint, 16) >= 0


@given(st.text(max_size=12), PAYLOADS, st.text(min_size=1, max_size=8), st.integers())
def test_a_different_request_under_the_same_key_is_told_apart(
    kind: str, payload: dict[str, object], name: str, value: int
) -> None:
    changed = {**payload, name: value}
    if changed != payload:
        assert request_hash(kind, changed) != request_hash(kind, payload)
    assert request_hash(f"{kind}!", payload) != request_hash(kind, payload)


def test_the_fingerprint_hashes_the_request_as_sorted_json() -> None:
    """Stored fingerprints are compared with new ones, so the text hashed must not drift."""
    text = '{"activity": 7, "kind": "earn", "on": "2025-03-01", "points": 120}'
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert request_hash("earn", {"points": 120, "on": date(2025, 3, 1), "activity": 7}) == expected


# --- FIFO expiry -------------------------------------------------------------------------------

DAY0 = date(2024, 1, 1)
LOTS = st.lists(
    st.builds(
        Lot, st.integers(0, 730).map(lambda d: DAY0 + timedelta(days=d)), st.integers(1, 5000)
    ),
    max_size=12,
)
CUTOFFS = st.integers(0, 731).map(lambda d: DAY0 + timedelta(days=d))


def _earned_before(lots: list[Lot], cutoff: date) -> int:
    return sum(lot.points for lot in lots if lot.credited_on < cutoff)


@given(LOTS, st.integers(0, 60_000), CUTOFFS)
def test_expiry_never_takes_more_than_was_earned_before_the_cutoff_and_still_held(
    lots: list[Lot], debited: int, cutoff: date
) -> None:
    due = fifo_expirable(lots, debited, cutoff)
    assert 0 <= due <= _earned_before(lots, cutoff)
    assert due <= max(0, sum(lot.points for lot in lots) - debited)


@given(LOTS, st.integers(0, 60_000), CUTOFFS)
def test_spending_uses_the_oldest_points_first(lots: list[Lot], debited: int, cutoff: date) -> None:
    """What was spent came out of the oldest points, so what expires is exactly the part of
    the old points that spending has not used up."""
    assert fifo_expirable(lots, debited, cutoff) == max(0, _earned_before(lots, cutoff) - debited)


@given(LOTS, st.integers(0, 60_000), CUTOFFS, st.lists(st.integers(0, 400), max_size=4))
def test_points_earned_on_or_after_the_cutoff_never_expire_and_never_shield_older_ones(
    lots: list[Lot], debited: int, cutoff: date, later_days: list[int]
) -> None:
    later = [Lot(cutoff + timedelta(days=d), 100) for d in later_days]
    assert fifo_expirable(lots + later, debited, cutoff) == fifo_expirable(lots, debited, cutoff)


@given(LOTS, st.integers(0, 60_000), CUTOFFS, st.randoms(use_true_random=False))
def test_the_order_lots_arrive_in_does_not_matter(
    lots: list[Lot], debited: int, cutoff: date, rng: random.Random
) -> None:
    shuffled = list(lots)
    rng.shuffle(shuffled)
    assert fifo_expirable(shuffled, debited, cutoff) == fifo_expirable(lots, debited, cutoff)


@given(LOTS, st.integers(0, 60_000), st.integers(0, 5000), CUTOFFS, st.integers(0, 60))
def test_spending_more_or_an_earlier_cutoff_never_expires_more(
    lots: list[Lot], debited: int, more: int, cutoff: date, earlier: int
) -> None:
    due = fifo_expirable(lots, debited, cutoff)
    assert fifo_expirable(lots, debited + more, cutoff) <= due
    assert fifo_expirable(lots, debited, cutoff - timedelta(days=earlier)) <= due
