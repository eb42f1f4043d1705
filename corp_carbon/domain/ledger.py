"""Ledger rules as pure functions: balanced postings, request fingerprints, FIFO expiry.

The ledger is double-entry and append-only: every transaction's entries sum to zero, amounts
are whole points, and a correction is a new transaction that reverses the original.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from corp_carbon.domain.errors import Conflict, DomainError
from corp_carbon.domain.vocabulary import AccountKind

#: system accounts, one per kind; employee accounts are "employee:<id>".
SYSTEM_ACCOUNTS = (
    AccountKind.ISSUANCE,
    AccountKind.REDEMPTION,
    AccountKind.EXPIRY,
    AccountKind.ADJUSTMENT,
)


class LedgerInvariantError(DomainError):
    """A posting that would break the ledger's rules (unbalanced, zero or fractional)."""

    http_status = 500
    code = "ledger_invariant"


class InsufficientBalance(Conflict):
    code = "insufficient_balance"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


def system_code(kind: AccountKind) -> str:
    return f"system:{kind.value}"


def employee_code(employee_id: int) -> str:
    return f"employee:{employee_id}"


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of a posting: an account code and a signed whole number of points."""

    account: str
    amount: int


def check_balanced(legs: Iterable[Leg]) -> list[Leg]:
    items = list(legs)
    if len(items) < 2:
        raise LedgerInvariantError("a transaction needs at least two entries")
    for leg in items:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool):
            raise LedgerInvariantError(f"amount {leg.amount!r} is not a whole number of points")
        if leg.amount == 0:
            raise LedgerInvariantError("an entry of 0 points means nothing; leave it out")
    total = sum(leg.amount for leg in items)
    if total != 0:
        raise LedgerInvariantError(f"entries sum to {total}, not 0")
    return items


def request_hash(kind: str, payload: Mapping[str, Any]) -> str:
    """A fingerprint of what was asked, so one idempotency key cannot mean two requests."""
    text = json.dumps({"kind": kind, **payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Lot:
    """Points credited on a date (an earning, a refund, a positive adjustment)."""

    credited_on: date
    points: int


def fifo_expirable(lots: Iterable[Lot], debited: int, cutoff: date) -> int:
    """Points still unspent from lots credited before ``cutoff``, spending oldest first.

    ``debited`` is everything ever taken out of the account (redemptions, expiries, negative
    adjustments, reversals), which FIFO charges to the oldest lots first.
    """
    remaining_debits = debited
    expirable = 0
    for lot in sorted(lots, key=lambda lot: lot.credited_on):
        used = min(lot.points, remaining_debits)
        remaining_debits -= used
        if lot.credited_on < cutoff:
            expirable += lot.points - used
    return expirable
