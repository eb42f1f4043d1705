"""The rewards catalogue and redemptions: points are held when a reward is requested.

A redemption debits the employee's points (a REDEEM transaction, ``redeem:<request key>``) in
the same database transaction that checks the reward's window, the per-person limit, the
stock and the balance, so neither a balance nor a stock can go below zero, however many
requests arrive at once: the employee's ledger account is locked first (a row lock on
PostgreSQL; on SQLite that first write takes the database's write lock), then the reward's
row. A rejected or cancelled redemption is refunded by a REFUND transaction
(``refund:<redemption id>``) that references the hold, and its stock goes back.

    requested --approve--> approved --fulfil--> fulfilled
        |                     |
        +--reject/cancel      +--reject          (rejected and cancelled are refunded)
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.db.models import Employee, Redemption, Reward
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bounds import checked_request_key
from corp_carbon.domain.errors import Conflict, DomainError, NotFound
from corp_carbon.domain.ledger import (
    IdempotencyKeyReused,
    InsufficientBalance,
    Leg,
    employee_code,
    system_code,
)
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import AccountKind, RedemptionStatus, RewardKind, TransactionKind
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.ledger.postings import (
    balance_of_account,
    employee_account,
    lock_account,
    lock_employee_account,
    post,
    system_account,
)

LIMIT_PERIODS = ("month", "quarter", "year", "ever")
#: what "per <period>" reads as in messages.
PERIOD_WORDS = {"month": "this month", "quarter": "this quarter", "year": "this year", "ever": ""}
#: redemptions that use up the per-person limit (refunded ones do not).
COUNTED = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED)
MAX_NAME = 200
MAX_URL = 500
CSV_COLUMNS = (
    "name",
    "kind",
    "cost_points",
    "stock",
    "per_person_limit",
    "limit_period",
    "auto_approve",
    "project_name",
    "description",
    "image_url",
)
CSV_REQUIRED = ("name", "cost_points")
_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n", ""})
_WHOLE = re.compile(r"^[+-]?\d+$")


# --- errors ---------------------------------------------------------------------------------


class OutOfStock(Conflict):
    code = "out_of_stock"


class LimitReached(Conflict):
    code = "limit_reached"


class RewardInactive(Conflict):
    code = "reward_inactive"


class InvalidTransition(Conflict):
    """A status change the redemption's current status does not allow."""

    code = "invalid_transition"


class _KeyTakenMeanwhile(Exception):
    """The hold's idempotency key was committed by a concurrent request during this one."""


# --- values handed to pages and the API -----------------------------------------------------


@dataclass(frozen=True)
class RewardSpec:
    """A catalogue item as given by HR (form, API or CSV), before it is stored."""

    name: str
    cost_points: int
    kind: RewardKind = RewardKind.VOUCHER
    stock: int | None = None
    per_person_limit: int | None = None
    limit_period: str = "year"
    auto_approve: bool = False
    description: str = ""
    project_name: str | None = None
    image_url: str | None = None
    active: bool = True
    active_from: datetime | None = None
    active_until: datetime | None = None


@dataclass(frozen=True)
class RewardView:
    id: int
    name: str
    description: str
    kind: RewardKind
    project_name: str | None
    cost_points: int
    #: None = unlimited.
    stock: int | None
    per_person_limit: int | None
    limit_period: str
    auto_approve: bool
    active: bool
    active_from: datetime | None
    active_until: datetime | None
    image_url: str | None

    def available_at(self, now: datetime) -> bool:
        return (
            self.active
            and (self.active_from is None or self.active_from <= now)
            and (self.active_until is None or now < self.active_until)
        )


@dataclass(frozen=True)
class RedemptionView:
    id: int
    employee_id: int
    reward_id: int
    reward_name: str
    status: RedemptionStatus
    #: the client's Idempotency-Key.
    request_key: str
    cost_points: int
    hold_transaction_id: int
    refund_transaction_id: int | None
    voucher_code: str | None
    note: str | None
    decided_by_id: int | None
    requested_at: datetime
    decided_at: datetime | None
    fulfilled_at: datetime | None


@dataclass(frozen=True)
class Requested:
    redemption: RedemptionView
    #: False when the request key had been used before and nothing was written.
    created: bool


@dataclass(frozen=True)
class Offer:
    """A catalogue item as one employee sees it."""

    reward: RewardView
    #: redemptions counting against the per-person limit in the current period.
    used: int
    #: why the employee cannot redeem it now (None: they can).
    blocked: str | None


# --- the catalogue --------------------------------------------------------------------------


def add_reward(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    cost_points: int,
    kind: RewardKind | str = RewardKind.VOUCHER,
    stock: int | None = None,
    per_person_limit: int | None = None,
    limit_period: str = "year",
    auto_approve: bool = False,
    description: str = "",
    project_name: str | None = None,
    image_url: str | None = None,
    active: bool = True,
    active_from: datetime | None = None,
    active_until: datetime | None = None,
) -> RewardView:
    """Adds a catalogue item; 400 naming the field when a value is wrong, 409 for a name in use."""
    try:
        reward_kind = RewardKind(kind)
    except ValueError:
        raise DomainError(f"kind: {_unknown(kind, RewardKind)}") from None
    spec = _clean(
        RewardSpec(
            name=name,
            cost_points=cost_points,
            kind=reward_kind,
            stock=stock,
            per_person_limit=per_person_limit,
            limit_period=limit_period,
            auto_approve=auto_approve,
            description=description,
            project_name=project_name,
            image_url=image_url,
            active=active,
            active_from=active_from,
            active_until=active_until,
        )
    )
    problems = spec_problems(spec)
    if problems:
        field, reason = problems[0]
        raise DomainError(f"{field}: {reason}")
    with uow:
        session = uow.session
        reward = _store(session, spec)  # written first: see _active_names
        clash = _active_names(session, [spec.name], besides={reward.id}).get(spec.name.casefold())
        if clash is not None:
            raise Conflict(f"name: an active reward is already called {spec.name!r} (id {clash})")
        audit.record(
            session,
            actor,
            "reward.add",
            target_type="reward",
            target_id=reward.id,
            detail={"name": reward.name, "cost_points": reward.cost_points, "stock": reward.stock},
        )
        view = _reward_view(reward)
        uow.commit()
    return view


def import_rewards_csv(uow: UnitOfWork, actor: Actor, path: str | Path) -> list[RewardView]:
    """Adds every reward of a CSV file, or none: one error names the file, rows and fields."""
    source = Path(path)
    specs, problems = read_rewards_csv(source)
    if problems:
        raise DomainError(_describe_problems(source, problems))
    with uow:
        session = uow.session
        rewards = [_store(session, spec) for _, spec in specs]  # written first: see _active_names
        taken = _active_names(
            session, [spec.name for _, spec in specs], besides={r.id for r in rewards}
        )
        for row, spec in specs:
            if spec.name.casefold() in taken:
                problems.append((row, "name", f"an active reward is already called {spec.name!r}"))
        if problems:
            raise DomainError(_describe_problems(source, problems))  # rolls the rows back
        audit.record(
            session,
            actor,
            "rewards.import",
            target_type="reward",
            detail={"file": source.name, "rewards": [r.id for r in rewards]},
        )
        views = [_reward_view(r) for r in rewards]
        uow.commit()
    return views


def read_rewards_csv(path: Path) -> tuple[list[tuple[int, RewardSpec]], list[tuple[int, str, str]]]:
    """Parses a catalogue file into (row number, spec) pairs and (row, field, reason) problems.

    Row numbers are as a spreadsheet shows them: the header is row 1.
    """
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise NotFound(f"{path}: file not found") from None
    except OSError as exc:
        raise DomainError(f"{path}: cannot be read ({exc.strerror})") from None
    specs: list[tuple[int, RewardSpec]] = []
    problems: list[tuple[int, str, str]] = []
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise DomainError(f"{path.name}: the file is empty; expected a header row")
            columns = [h.strip().lower() for h in header]
            unknown = [c for c in columns if c not in CSV_COLUMNS]
            missing = [c for c in CSV_REQUIRED if c not in columns]
            if unknown or missing:
                what = (
                    f"unknown column {unknown[0]!r}"
                    if unknown
                    else f"column {missing[0]!r} missing"
                )
                raise DomainError(
                    f"{path.name}: row 1: {what} (columns: {', '.join(CSV_COLUMNS)}; "
                    f"required: {', '.join(CSV_REQUIRED)})"
                )
            seen: dict[str, int] = {}
            for values in reader:
                row = reader.line_num
                if not any(v.strip() for v in values):
                    continue  # blank line
                if len(values) != len(columns):
                    problems.append(
                        (row, "row", f"{len(values)} values for {len(columns)} columns")
                    )
                    continue
                spec, row_problems = _spec_from_row(dict(zip(columns, values, strict=True)))
                problems.extend((row, field, reason) for field, reason in row_problems)
                if spec is None:
                    continue
                earlier = seen.setdefault(spec.name.casefold(), row)
                if earlier != row:
                    problems.append((row, "name", f"{spec.name!r} is also on row {earlier}"))
                specs.append((row, spec))
        except UnicodeDecodeError:
            raise DomainError(f"{path.name}: not UTF-8 text; save the file as CSV UTF-8") from None
        except csv.Error as exc:
            raise DomainError(
                f"{path.name}: row {reader.line_num}: not valid CSV ({exc})"
            ) from None
    if not specs and not problems:
        raise DomainError(f"{path.name}: no rewards in the file")
    return specs, problems


def list_rewards(
    session: Session, *, active_only: bool, now: datetime | None = None
) -> list[RewardView]:
    """The catalogue, cheapest first; ``active_only``: only what can be redeemed now."""
    query = sa.select(Reward).order_by(Reward.cost_points, Reward.name, Reward.id)
    if active_only:
        when = now or utcnow()
        query = query.where(
            Reward.active.is_(True),
            sa.or_(Reward.active_from.is_(None), Reward.active_from <= when),
            sa.or_(Reward.active_until.is_(None), Reward.active_until > when),
        )
    return [_reward_view(r) for r in session.scalars(query)]


def offers_for(
    session: Session, employee_id: int, *, balance: int, now: datetime | None = None
) -> list[Offer]:
    """The active catalogue for one employee, each with why they cannot redeem it (if so)."""
    when = now or utcnow()
    rewards = list_rewards(session, active_only=True, now=when)
    taken = session.execute(
        sa.select(Redemption.reward_id, Redemption.requested_at).where(
            Redemption.employee_id == employee_id, Redemption.status.in_(COUNTED)
        )
    ).all()
    offers = []
    for reward in rewards:
        start = period_start(reward.limit_period, when)
        used = sum(1 for rid, at in taken if rid == reward.id and (start is None or at >= start))
        offers.append(Offer(reward, used, _blocked(reward, used, balance)))
    return offers


def _blocked(reward: RewardView, used: int, balance: int) -> str | None:
    if reward.stock is not None and reward.stock <= 0:
        return "Out of stock"
    if reward.per_person_limit is not None and used >= reward.per_person_limit:
        return f"Limit reached: {_limit_text(reward.per_person_limit, reward.limit_period)}"
    if balance < reward.cost_points:
        return f"You need {reward.cost_points - balance:,} more points"
    return None


# --- redemptions ----------------------------------------------------------------------------


def request_redemption(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee_id: int,
    reward_id: int,
    request_key: str,
    auto_approve_below: int = 0,
) -> Requested:
    """Holds the reward's cost and records the redemption, all in one transaction.

    The same ``request_key`` again (also concurrently) returns the first redemption and writes
    nothing. Approved at once when the reward is flagged auto_approve or costs less than
    ``auto_approve_below``; otherwise it waits for HR.
    """
    key = checked_request_key(request_key)
    try:
        with uow:
            result = _request(uow.session, actor, employee_id, reward_id, key, auto_approve_below)
            if result.created:
                uow.commit()
            return result  # a repeat wrote nothing: leaving the block rolls the lock back
    except (IntegrityError, _KeyTakenMeanwhile):
        # a concurrent request with the same key committed first; answer with its redemption
        with uow:
            existing = _by_request_key(uow.session, key)
            if existing is None:
                raise
            return Requested(_same_request(uow.session, existing, employee_id, reward_id), False)


def _request(
    session: Session,
    actor: Actor,
    employee_id: int,
    reward_id: int,
    key: str,
    auto_approve_below: int,
) -> Requested:
    account_id = lock_employee_account(session, employee_id)  # the first statement: a write
    existing = _by_request_key(session, key)
    if existing is not None:
        return Requested(_same_request(session, existing, employee_id, reward_id), False)
    reward = session.scalar(sa.select(Reward).where(Reward.id == reward_id).with_for_update())
    if reward is None:
        raise NotFound(f"reward {reward_id} does not exist")
    now = utcnow()
    _check_available(reward, now)
    _check_limit(session, reward, employee_id, now)
    if reward.stock is not None and reward.stock <= 0:
        raise OutOfStock(f"{reward.name!r} is out of stock")
    balance = 0 if account_id is None else balance_of_account(session, account_id)
    if balance < reward.cost_points:
        raise InsufficientBalance(
            f"{reward.name!r} costs {reward.cost_points:,} points; "
            f"your balance is {balance:,} points"
        )
    system_account(session, AccountKind.REDEMPTION)
    hold = post(
        session,
        kind=TransactionKind.REDEEM,
        idempotency_key=f"redeem:{key}",
        request={"employee": employee_id, "reward": reward.id, "points": reward.cost_points},
        legs=[
            Leg(employee_code(employee_id), -reward.cost_points),
            Leg(system_code(AccountKind.REDEMPTION), reward.cost_points),
        ],
        reason_code="reward_redeemed",
        memo=reward.name[:500],
        actor=actor,
    )
    if not hold.created:
        raise _KeyTakenMeanwhile(key)
    if reward.stock is not None:
        reward.stock -= 1
    approved = reward.auto_approve or reward.cost_points < auto_approve_below
    redemption = Redemption(
        employee_id=employee_id,
        reward_id=reward.id,
        status=RedemptionStatus.APPROVED if approved else RedemptionStatus.REQUESTED,
        request_key=key,
        cost_points=reward.cost_points,
        hold_transaction_id=hold.transaction_id,
        requested_at=now,
        decided_at=now if approved else None,
    )
    session.add(redemption)
    session.flush()
    audit.record(
        session,
        actor,
        "redemption.request",
        target_type="redemption",
        target_id=redemption.id,
        detail={
            "reward": reward.id,
            "points": reward.cost_points,
            "status": redemption.status.value,
            "hold_transaction": hold.transaction_id,
        },
    )
    return Requested(_redemption_view(redemption, reward.name), True)


def approve(uow: UnitOfWork, actor: Actor, redemption_id: int) -> RedemptionView:
    """HR approves a requested redemption (the points are already held)."""
    with uow:
        session = uow.session
        redemption = _locked_redemption(session, redemption_id)
        _check_transition(redemption, RedemptionStatus.APPROVED, RedemptionStatus.REQUESTED)
        redemption.status = RedemptionStatus.APPROVED
        redemption.decided_by_id = actor.employee_id
        redemption.decided_at = utcnow()
        view = _finish(session, actor, redemption, "redemption.approve", {})
        uow.commit()
    return view


def reject(uow: UnitOfWork, actor: Actor, redemption_id: int, *, reason: str) -> RedemptionView:
    """HR rejects a requested or approved redemption: the points come back, and the stock."""
    text = reason.strip()
    if not text:
        raise DomainError("reason: a rejection needs a reason the employee can read")
    with uow:
        session = uow.session
        redemption = _locked_redemption(session, redemption_id)
        _check_transition(
            redemption,
            RedemptionStatus.REJECTED,
            RedemptionStatus.REQUESTED,
            RedemptionStatus.APPROVED,
        )
        refund = _refund(session, actor, redemption, "redemption_rejected", text)
        redemption.status = RedemptionStatus.REJECTED
        redemption.note = text
        redemption.decided_by_id = actor.employee_id
        redemption.decided_at = utcnow()
        view = _finish(
            session,
            actor,
            redemption,
            "redemption.reject",
            {"reason": text, "refund_transaction": refund},
        )
        uow.commit()
    return view


def cancel(
    uow: UnitOfWork, actor: Actor, redemption_id: int, *, employee_id: int
) -> RedemptionView:
    """The employee withdraws their own redemption while it awaits approval; refunded."""
    with uow:
        session = uow.session
        redemption = _locked_redemption(session, redemption_id)
        if redemption.employee_id != employee_id:
            raise NotFound(f"redemption {redemption_id} does not exist")
        _check_transition(redemption, RedemptionStatus.CANCELLED, RedemptionStatus.REQUESTED)
        refund = _refund(session, actor, redemption, "redemption_cancelled", "cancelled")
        redemption.status = RedemptionStatus.CANCELLED
        redemption.decided_by_id = actor.employee_id
        redemption.decided_at = utcnow()
        view = _finish(
            session, actor, redemption, "redemption.cancel", {"refund_transaction": refund}
        )
        uow.commit()
    return view


def fulfil(
    uow: UnitOfWork,
    actor: Actor,
    redemption_id: int,
    *,
    voucher_code: str | None = None,
    note: str | None = None,
) -> RedemptionView:
    """HR hands over an approved reward, with the voucher code or a note on how."""
    code = (voucher_code or "").strip() or None
    text = (note or "").strip() or None
    if code is None and text is None:
        raise DomainError(
            "voucher_code: give the voucher code, or a note on how it was handed over"
        )
    if code is not None and len(code) > MAX_NAME:
        raise DomainError(f"voucher_code: at most {MAX_NAME} characters")
    with uow:
        session = uow.session
        redemption = _locked_redemption(session, redemption_id)
        _check_transition(redemption, RedemptionStatus.FULFILLED, RedemptionStatus.APPROVED)
        now = utcnow()
        redemption.status = RedemptionStatus.FULFILLED
        redemption.voucher_code = code
        redemption.note = text
        redemption.fulfilled_at = now
        if redemption.decided_by_id is None:  # auto-approved: HR's hand-over is the decision
            redemption.decided_by_id = actor.employee_id
        view = _finish(
            session,
            actor,
            redemption,
            "redemption.fulfil",
            {"voucher_code": code is not None, "note": text},
        )
        uow.commit()
    return view


def get_redemption(
    session: Session, redemption_id: int, *, viewer_id: int, see_all: bool = False
) -> RedemptionView:
    """One redemption; someone else's is 404 unless ``see_all`` (HR)."""
    row = session.execute(
        sa.select(Redemption, Reward.name)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.id == redemption_id)
    ).first()
    if row is None or (not see_all and row[0].employee_id != viewer_id):
        raise NotFound(f"redemption {redemption_id} does not exist")
    return _redemption_view(row[0], row[1])


def redemptions_for(session: Session, employee_id: int) -> list[RedemptionView]:
    """The employee's redemptions, newest first."""
    rows = session.execute(
        sa.select(Redemption, Reward.name)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.employee_id == employee_id)
        .order_by(Redemption.id.desc())
    ).all()
    return [_redemption_view(redemption, name) for redemption, name in rows]


@dataclass(frozen=True)
class QueueItem:
    redemption: RedemptionView
    employee_name: str
    employee_email: str
    department: str | None


def redemption_queue(session: Session, *, recent: int = 30) -> list[QueueItem]:
    """HR's work list: requested and approved redemptions (oldest first), then the latest
    ``recent`` decided ones."""
    base = (
        sa.select(Redemption, Reward.name, Employee.name, Employee.email, Employee.department)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Employee, Employee.id == Redemption.employee_id)
    )
    open_states = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED)
    waiting = session.execute(
        base.where(Redemption.status.in_(open_states)).order_by(Redemption.id)
    ).all()
    decided = session.execute(
        base.where(Redemption.status.not_in(open_states))
        .order_by(Redemption.id.desc())
        .limit(recent)
    ).all()
    return [
        QueueItem(_redemption_view(r, reward), name, email, department)
        for r, reward, name, email, department in [*waiting, *decided]
    ]


# --- rules ----------------------------------------------------------------------------------


def period_start(period: str, now: datetime) -> datetime | None:
    """Start (UTC) of the calendar period ``now`` falls in; None for "ever"."""
    utc = now.astimezone(UTC)
    if period == "ever":
        return None
    if period == "year":
        month = 1
    elif period == "quarter":
        month = 3 * ((utc.month - 1) // 3) + 1
    elif period == "month":
        month = utc.month
    else:
        raise ValueError(f"unknown limit period {period!r}")
    return datetime(utc.year, month, 1, tzinfo=UTC)


def spec_problems(spec: RewardSpec) -> list[tuple[str, str]]:
    """Every (field, reason) wrong with a reward; empty when it can be stored."""
    problems: list[tuple[str, str]] = []
    if not spec.name:
        problems.append(("name", "must not be empty"))
    elif len(spec.name) > MAX_NAME:
        problems.append(("name", f"at most {MAX_NAME} characters"))
    if not _is_int(spec.cost_points) or spec.cost_points <= 0:
        problems.append(
            ("cost_points", f"must be a whole number above 0, got {spec.cost_points!r}")
        )
    if spec.stock is not None and (not _is_int(spec.stock) or spec.stock < 0):
        problems.append(("stock", f"must be a whole number, 0 or more, got {spec.stock!r}"))
    if spec.per_person_limit is not None and (
        not _is_int(spec.per_person_limit) or spec.per_person_limit <= 0
    ):
        problems.append(
            ("per_person_limit", f"must be a whole number above 0, got {spec.per_person_limit!r}")
        )
    if spec.limit_period not in LIMIT_PERIODS:
        problems.append(("limit_period", _unknown(spec.limit_period, LIMIT_PERIODS)))
    if spec.kind is RewardKind.DONATION and not spec.project_name:
        problems.append(("project_name", "a donation names the climate project it funds"))
    if spec.project_name is not None and len(spec.project_name) > MAX_NAME:
        problems.append(("project_name", f"at most {MAX_NAME} characters"))
    if spec.image_url is not None:
        if len(spec.image_url) > MAX_URL:
            problems.append(("image_url", f"at most {MAX_URL} characters"))
        elif not spec.image_url.startswith(("https://", "http://", "/")):
            problems.append(("image_url", "must start with https://, http:// or /"))
    for name in ("active_from", "active_until"):
        value = getattr(spec, name)
        if value is not None and value.tzinfo is None:
            problems.append((name, "needs a time zone, e.g. 2026-01-01T00:00:00Z"))
    if (
        spec.active_from is not None
        and spec.active_until is not None
        and spec.active_from.tzinfo is not None
        and spec.active_until.tzinfo is not None
        and spec.active_until <= spec.active_from
    ):
        problems.append(("active_until", "must be after active_from"))
    return problems


def _check_available(reward: Reward, now: datetime) -> None:
    if not reward.active:
        raise RewardInactive(f"{reward.name!r} is no longer offered")
    if reward.active_from is not None and now < reward.active_from:
        raise RewardInactive(
            f"{reward.name!r} can be redeemed from {reward.active_from:%Y-%m-%d %H:%M} UTC"
        )
    if reward.active_until is not None and now >= reward.active_until:
        raise RewardInactive(
            f"{reward.name!r} could be redeemed until {reward.active_until:%Y-%m-%d %H:%M} UTC"
        )


def _check_limit(session: Session, reward: Reward, employee_id: int, now: datetime) -> None:
    if reward.per_person_limit is None:
        return
    query = sa.select(sa.func.count(Redemption.id)).where(
        Redemption.employee_id == employee_id,
        Redemption.reward_id == reward.id,
        Redemption.status.in_(COUNTED),
    )
    start = period_start(reward.limit_period, now)
    if start is not None:
        query = query.where(Redemption.requested_at >= start)
    used = int(session.scalar(query) or 0)
    if used >= reward.per_person_limit:
        raise LimitReached(
            f"{reward.name!r}: limit reached "
            f"({_limit_text(reward.per_person_limit, reward.limit_period)})"
        )


def _limit_text(limit: int, period: str) -> str:
    times = "once" if limit == 1 else f"{limit} times"
    return f"{times} per person" + (f" {PERIOD_WORDS[period]}" if PERIOD_WORDS.get(period) else "")


def _check_transition(
    redemption: Redemption, target: RedemptionStatus, *allowed: RedemptionStatus
) -> None:
    if redemption.status not in allowed:
        sources = " or ".join(s.value for s in allowed)
        raise InvalidTransition(
            f"redemption {redemption.id} is {redemption.status.value}; it cannot become "
            f"{target.value} (only a {sources} redemption can)"
        )


# --- helpers (inside the caller's transaction) ----------------------------------------------


def _locked_redemption(session: Session, redemption_id: int) -> Redemption:
    """The redemption, locked for this transaction (a write first, as above)."""
    found = session.scalar(
        sa.update(Redemption)
        .where(Redemption.id == redemption_id)
        .values(id=Redemption.id)
        .returning(Redemption.id)
        .execution_options(synchronize_session=False)
    )
    if found is None:
        raise NotFound(f"redemption {redemption_id} does not exist")
    redemption = session.get(Redemption, redemption_id, populate_existing=True)
    assert redemption is not None
    return redemption


def _refund(
    session: Session, actor: Actor, redemption: Redemption, reason_code: str, memo: str
) -> int:
    """Gives the held points back and returns the reward to stock; the refund's id."""
    lock_account(session, employee_account(session, redemption.employee_id))
    reward = session.scalar(
        sa.select(Reward).where(Reward.id == redemption.reward_id).with_for_update()
    )
    assert reward is not None  # a foreign key
    if reward.stock is not None:
        reward.stock += 1
    refund = post(
        session,
        kind=TransactionKind.REFUND,
        idempotency_key=f"refund:{redemption.id}",
        request={"redemption": redemption.id, "points": redemption.cost_points},
        legs=[
            Leg(system_code(AccountKind.REDEMPTION), -redemption.cost_points),
            Leg(employee_code(redemption.employee_id), redemption.cost_points),
        ],
        reason_code=reason_code,
        memo=memo[:500],
        reverses_id=redemption.hold_transaction_id,
        actor=actor,
    )
    redemption.refund_transaction_id = refund.transaction_id
    return refund.transaction_id


def _finish(
    session: Session,
    actor: Actor,
    redemption: Redemption,
    action: str,
    detail: dict[str, Any],
) -> RedemptionView:
    session.flush()
    audit.record(
        session,
        actor,
        action,
        target_type="redemption",
        target_id=redemption.id,
        detail={"status": redemption.status.value, **detail},
    )
    name = session.scalar(sa.select(Reward.name).where(Reward.id == redemption.reward_id))
    return _redemption_view(redemption, name or "")


def _by_request_key(session: Session, key: str) -> Redemption | None:
    return session.scalar(sa.select(Redemption).where(Redemption.request_key == key))


def _same_request(
    session: Session, existing: Redemption, employee_id: int, reward_id: int
) -> RedemptionView:
    if existing.employee_id != employee_id or existing.reward_id != reward_id:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {existing.request_key!r} was already used for another request"
        )
    name = session.scalar(sa.select(Reward.name).where(Reward.id == existing.reward_id))
    return _redemption_view(existing, name or "")


def _store(session: Session, spec: RewardSpec) -> Reward:
    reward = Reward(**{f.name: getattr(spec, f.name) for f in fields(spec)})
    session.add(reward)
    session.flush()
    return reward


def _clean(spec: RewardSpec) -> RewardSpec:
    def text(value: str | None) -> str | None:
        return None if value is None else (value.strip() or None)

    return replace(
        spec,
        name=spec.name.strip(),
        description=spec.description.strip(),
        project_name=text(spec.project_name),
        image_url=text(spec.image_url),
        limit_period=spec.limit_period.strip().lower(),
    )


def _active_names(session: Session, names: Iterable[str], *, besides: set[int]) -> dict[str, int]:
    """Case-folded names of active rewards (other than ``besides``) among ``names``, with ids.

    Callers write their new rows before this read: on SQLite a transaction that reads first
    and writes later fails at once ("database is locked") when another writer committed in
    between, instead of waiting. Names are compared in Python, as SQLite's lower() folds ASCII
    only (a catalogue is small).
    """
    wanted = {n.casefold() for n in names}
    rows = session.execute(sa.select(Reward.name, Reward.id).where(Reward.active.is_(True)))
    return {
        name.casefold(): id_
        for name, id_ in rows
        if name.casefold() in wanted and id_ not in besides
    }


def _spec_from_row(row: Mapping[str, str]) -> tuple[RewardSpec | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []

    def whole(field: str, *, required: bool = False) -> int | None:
        raw = row.get(field, "").strip().replace("_", "")
        if not raw:
            if required:
                problems.append((field, "required"))
            return None
        if not _WHOLE.match(raw):
            problems.append((field, f"{raw!r} is not a whole number"))
            return None
        return int(raw)

    kind_raw = row.get("kind", "").strip().lower() or RewardKind.VOUCHER.value
    try:
        kind = RewardKind(kind_raw)
    except ValueError:
        problems.append(("kind", _unknown(kind_raw, RewardKind)))
        kind = RewardKind.VOUCHER
    auto_raw = row.get("auto_approve", "").strip().lower()
    if auto_raw not in _TRUE | _FALSE:
        problems.append(("auto_approve", f"{auto_raw!r}: accepted: true, false (or empty)"))
    cost = whole("cost_points", required=True)
    stock = whole("stock")
    limit = whole("per_person_limit")
    spec = _clean(
        RewardSpec(
            name=row.get("name", ""),
            cost_points=cost if cost is not None else 0,
            kind=kind,
            stock=stock,
            per_person_limit=limit,
            limit_period=row.get("limit_period", "").strip() or "year",
            auto_approve=auto_raw in _TRUE,
            description=row.get("description", ""),
            project_name=row.get("project_name"),
            image_url=row.get("image_url"),
        )
    )
    reported = {field for field, _ in problems}
    problems.extend(p for p in spec_problems(spec) if p[0] not in reported)
    return (None if problems else spec), problems


def _describe_problems(path: Path, problems: list[tuple[int, str, str]]) -> str:
    rows = len({row for row, _, _ in problems})
    listed = "; ".join(f"row {row}, {field}: {reason}" for row, field, reason in sorted(problems))
    return f"{path.name}: nothing imported, {rows} bad row{'s' if rows != 1 else ''}: {listed}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unknown(value: object, accepted: Iterable[object]) -> str:
    names = ", ".join(str(getattr(a, "value", a)) for a in accepted)
    return f"unknown {value!r} (accepted: {names})"


def _reward_view(r: Reward) -> RewardView:
    return RewardView(
        id=r.id,
        name=r.name,
        description=r.description,
        kind=r.kind,
        project_name=r.project_name,
        cost_points=r.cost_points,
        stock=r.stock,
        per_person_limit=r.per_person_limit,
        limit_period=r.limit_period,
        auto_approve=r.auto_approve,
        active=r.active,
        active_from=r.active_from,
        active_until=r.active_until,
        image_url=r.image_url,
    )


def _redemption_view(r: Redemption, reward_name: str) -> RedemptionView:
    return RedemptionView(
        id=r.id,
        employee_id=r.employee_id,
        reward_id=r.reward_id,
        reward_name=reward_name,
        status=r.status,
        request_key=r.request_key,
        cost_points=r.cost_points,
        hold_transaction_id=r.hold_transaction_id,
        refund_transaction_id=r.refund_transaction_id,
        voucher_code=r.voucher_code,
        note=r.note,
        decided_by_id=r.decided_by_id,
        requested_at=r.requested_at,
        decided_at=r.decided_at,
        fulfilled_at=r.fulfilled_at,
    )
