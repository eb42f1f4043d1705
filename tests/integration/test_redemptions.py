"""Rewards and redemptions: points held in the same transaction that checks balance and stock,
refunds, status changes, idempotency, concurrency and crashes, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from corp_carbon import create_app
from corp_carbon.db.models import (
    AuditEvent,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Redemption,
    Reward,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.ledger import IdempotencyKeyReused, InsufficientBalance
from corp_carbon.domain.people import Actor
from corp_carbon.domain.rewards import (
    InvalidTransition,
    LimitReached,
    OutOfStock,
    RewardInactive,
    period_start,
)
from corp_carbon.domain.vocabulary import RedemptionStatus, RewardKind, TransactionKind
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.ledger import adjustments, statements
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.people.employees import add_employee
from corp_carbon.services.rewards import catalogue, queries, redemptions
from corp_carbon.services.rewards.views import Requested
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.conftest import make_settings
from tests.support import OPERATOR

_people = itertools.count()
_keys = itertools.count()


# --- helpers ---------------------------------------------------------------------------------


def _person(uow: UnitOfWork, points: int = 0) -> tuple[int, Actor]:
    n = next(_people)
    profile = add_employee(uow, OPERATOR, email=f"p{n}@example.com", name=f"Person {n}")
    if points:
        adjustments.adjust(
            uow,
            OPERATOR,
            employee=profile.email,
            points=points,
            reason="welcome points",
            request_key=f"welcome-{profile.id}",
        )
    return profile.id, Actor(label=profile.email, employee_id=profile.id)


def _hr(uow: UnitOfWork) -> Actor:
    n = next(_people)
    profile = add_employee(uow, OPERATOR, email=f"hr{n}@example.com", name=f"HR {n}", roles=("hr",))
    return Actor(label=profile.email, employee_id=profile.id)


def _reward(uow: UnitOfWork, **values: Any) -> int:
    values.setdefault("name", f"Reward {next(_keys)}")
    values.setdefault("cost_points", 1000)
    return catalogue.add_reward(uow, OPERATOR, **values).id


def _key() -> str:
    return f"key-{next(_keys)}"


def _redeem(
    uow: UnitOfWork, who: tuple[int, Actor], reward_id: int, key: str | None = None, **extra: Any
) -> Requested:
    employee_id, actor = who
    return redemptions.request_redemption(
        uow,
        actor,
        employee_id=employee_id,
        reward_id=reward_id,
        request_key=key or _key(),
        **extra,
    )


def _balance(uow: UnitOfWork, employee_id: int) -> int:
    with uow:
        return ledger.balance(uow.session, employee_id)


def _stock(uow: UnitOfWork, reward_id: int) -> int | None:
    with uow:
        return uow.session.scalar(sa.select(Reward.stock).where(Reward.id == reward_id))


def _count(uow: UnitOfWork, query: Any) -> int:
    with uow:
        return int(uow.session.scalar(query) or 0)


def _holds(uow: UnitOfWork) -> int:
    return _count(
        uow,
        sa.select(sa.func.count(LedgerTransaction.id)).where(
            LedgerTransaction.kind == TransactionKind.REDEEM
        ),
    )


def _redemptions(uow: UnitOfWork) -> int:
    return _count(uow, sa.select(sa.func.count(Redemption.id)))


def _ledger_total(uow: UnitOfWork) -> int:
    """All entries of all accounts: always 0 in a double-entry ledger."""
    return _count(uow, sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)))


def _redemption_account(uow: UnitOfWork) -> int:
    return _count(
        uow,
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.code == "system:redemption"),
    )


# --- the happy path --------------------------------------------------------------------------


def test_a_redemption_holds_the_points_and_the_statement_is_exact(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    reward_id = _reward(uow, name="Rail voucher", cost_points=1200, stock=3)

    result = _redeem(uow, who, reward_id, "first-key")

    assert result.created is True
    done = result.redemption
    assert done.status is RedemptionStatus.REQUESTED
    assert (done.reward_id, done.reward_name, done.cost_points) == (reward_id, "Rail voucher", 1200)
    assert done.request_key == "first-key"
    assert _balance(uow, who[0]) == 3800
    assert _stock(uow, reward_id) == 2
    with uow:
        lines = statements.statement(uow.session, who[0])
        hold = uow.session.get(LedgerTransaction, done.hold_transaction_id)
        assert hold is not None
        assert (hold.kind, hold.idempotency_key) == (TransactionKind.REDEEM, "redeem:first-key")
        events = uow.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.target_type == "redemption")
        ).all()
    assert [(line.amount, line.running_balance) for line in lines] == [(5000, 5000), (-1200, 3800)]
    assert lines[-1].kind is TransactionKind.REDEEM
    assert lines[-1].transaction_id == done.hold_transaction_id
    assert events == ["redemption.request"]
    assert _redemption_account(uow) == 1200
    assert _ledger_total(uow) == 0


def test_auto_approval_by_flag_or_below_the_configured_cost(uow: UnitOfWork) -> None:
    who = _person(uow, 10_000)
    flagged = _reward(uow, cost_points=3000, auto_approve=True)
    cheap = _reward(uow, cost_points=499)
    at_threshold = _reward(uow, cost_points=500)

    assert _redeem(uow, who, flagged).redemption.status is RedemptionStatus.APPROVED
    below = _redeem(uow, who, cheap, auto_approve_below=500).redemption
    assert below.status is RedemptionStatus.APPROVED and below.decided_at is not None
    same = _redeem(uow, who, at_threshold, auto_approve_below=500).redemption
    assert same.status is RedemptionStatus.REQUESTED and same.decided_at is None


# --- refusals --------------------------------------------------------------------------------


def _nothing_changed(uow: UnitOfWork, employee_id: int, reward_id: int, balance: int) -> None:
    assert _balance(uow, employee_id) == balance
    assert _holds(uow) == 0
    assert _redemptions(uow) == 0


def test_insufficient_balance_is_a_409_and_writes_nothing(uow: UnitOfWork) -> None:
    who = _person(uow, 999)
    reward_id = _reward(uow, cost_points=1000, stock=2)
    with pytest.raises(InsufficientBalance) as caught:
        _redeem(uow, who, reward_id)
    assert (caught.value.http_status, caught.value.code) == (409, "insufficient_balance")
    assert "999" in caught.value.message and "1,000" in caught.value.message
    _nothing_changed(uow, who[0], reward_id, 999)
    assert _stock(uow, reward_id) == 2


def test_an_employee_who_never_had_points_has_insufficient_balance(uow: UnitOfWork) -> None:
    who = _person(uow)  # no ledger account at all
    reward_id = _reward(uow)
    with pytest.raises(InsufficientBalance):
        _redeem(uow, who, reward_id)
    _nothing_changed(uow, who[0], reward_id, 0)


def test_out_of_stock_is_a_409(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    reward_id = _reward(uow, stock=1)
    _redeem(uow, who, reward_id)
    with pytest.raises(OutOfStock) as caught:
        _redeem(uow, who, reward_id)
    assert (caught.value.http_status, caught.value.code) == (409, "out_of_stock")
    assert _balance(uow, who[0]) == 4000
    assert _stock(uow, reward_id) == 0
    assert _holds(uow) == 1


def test_unlimited_stock_stays_unlimited(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    reward_id = _reward(uow, stock=None)
    for _ in range(3):
        _redeem(uow, who, reward_id)
    assert _stock(uow, reward_id) is None
    assert _balance(uow, who[0]) == 2000


def test_per_person_limit_per_period_and_refunds_do_not_count(uow: UnitOfWork) -> None:
    who = _person(uow, 10_000)
    other = _person(uow, 10_000)
    hr = _hr(uow)
    reward_id = _reward(uow, per_person_limit=2, limit_period="month")
    first = _redeem(uow, who, reward_id).redemption
    _redeem(uow, who, reward_id)
    with pytest.raises(LimitReached) as caught:
        _redeem(uow, who, reward_id)
    assert (caught.value.http_status, caught.value.code) == (409, "limit_reached")
    assert "2 times per person this month" in caught.value.message
    _redeem(uow, other, reward_id)  # the limit is per person
    redemptions.reject(uow, hr, first.id, reason="duplicate request")
    _redeem(uow, who, reward_id)  # a refunded redemption no longer counts
    assert _balance(uow, who[0]) == 8000


def test_limit_periods_start_on_calendar_boundaries() -> None:
    now = utcnow().replace(year=2026, month=8, day=17, hour=9)
    assert period_start("month", now) == now.replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    quarter = period_start("quarter", now)
    assert quarter is not None and (quarter.month, quarter.day) == (7, 1)
    year = period_start("year", now)
    assert year is not None and (year.month, year.day) == (1, 1)
    assert period_start("ever", now) is None


def test_inactive_or_out_of_window_rewards_are_refused(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    now = utcnow()
    later = _reward(uow, active_from=now + timedelta(days=3))
    over = _reward(uow, active_from=now - timedelta(days=3), active_until=now - timedelta(days=1))
    withdrawn = _reward(uow, active=False)
    for reward_id in (later, over, withdrawn):
        with pytest.raises(RewardInactive) as caught:
            _redeem(uow, who, reward_id)
        assert caught.value.http_status == 409
    with uow:
        listed = {r.id for r in catalogue.list_rewards(uow.session, active_only=True)}
        everything = {r.id for r in catalogue.list_rewards(uow.session, active_only=False)}
    assert not listed & {later, over, withdrawn}
    assert {later, over, withdrawn} <= everything
    assert _balance(uow, who[0]) == 5000


def test_unknown_reward_is_a_404(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    with pytest.raises(NotFound) as caught:
        _redeem(uow, who, 987_654)
    assert caught.value.http_status == 404
    assert "987654" in caught.value.message


# --- idempotency -----------------------------------------------------------------------------


def test_the_same_request_key_returns_the_first_redemption_and_holds_once(
    uow: UnitOfWork,
) -> None:
    who = _person(uow, 5000)
    reward_id = _reward(uow, stock=10)
    first = _redeem(uow, who, reward_id, "same-key")
    again = _redeem(uow, who, reward_id, "same-key")
    assert first.created is True and again.created is False
    assert again.redemption == first.redemption
    assert _holds(uow) == 1
    assert _balance(uow, who[0]) == 4000
    assert _stock(uow, reward_id) == 9


def test_a_request_key_cannot_mean_another_request(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    other = _person(uow, 5000)
    reward_id = _reward(uow)
    another_reward = _reward(uow)
    _redeem(uow, who, reward_id, "taken-key")
    with pytest.raises(IdempotencyKeyReused):
        _redeem(uow, who, another_reward, "taken-key")
    with pytest.raises(IdempotencyKeyReused):  # and someone else's key reveals nothing
        _redeem(uow, other, reward_id, "taken-key")
    assert _holds(uow) == 1
    assert _balance(uow, other[0]) == 5000


@pytest.mark.parametrize("key", ["", "   ", "has space", "x" * 151])
def test_request_keys_are_checked(uow: UnitOfWork, key: str) -> None:
    who = _person(uow, 5000)
    reward_id = _reward(uow)
    with pytest.raises(DomainError, match="Idempotency-Key"):
        _redeem(uow, who, reward_id, key or " ")


# --- status changes --------------------------------------------------------------------------


def test_reject_refunds_the_points_and_returns_the_stock(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    hr = _hr(uow)
    reward_id = _reward(uow, cost_points=1500, stock=1)
    done = _redeem(uow, who, reward_id).redemption
    assert (_balance(uow, who[0]), _stock(uow, reward_id)) == (3500, 0)

    rejected = redemptions.reject(uow, hr, done.id, reason="  The supplier stopped the scheme.  ")

    assert rejected.status is RedemptionStatus.REJECTED
    assert rejected.note == "The supplier stopped the scheme."
    assert rejected.decided_by_id == hr.employee_id and rejected.decided_at is not None
    assert (_balance(uow, who[0]), _stock(uow, reward_id)) == (5000, 1)
    with uow:
        refund = uow.session.get(LedgerTransaction, rejected.refund_transaction_id)
        assert refund is not None
        assert refund.kind is TransactionKind.REFUND
        assert refund.idempotency_key == f"refund:{done.id}"
        assert refund.reverses_id == done.hold_transaction_id
        assert refund.reason_code == "redemption_rejected"
        lines = statements.statement(uow.session, who[0])
    assert [line.amount for line in lines] == [5000, -1500, 1500]
    assert lines[-1].running_balance == 5000
    assert _redemption_account(uow) == 0
    assert _ledger_total(uow) == 0
    with pytest.raises(InvalidTransition):  # refunded once only
        redemptions.reject(uow, hr, done.id, reason="again")
    assert _balance(uow, who[0]) == 5000


def test_reject_needs_a_reason(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    done = _redeem(uow, who, _reward(uow)).redemption
    with pytest.raises(DomainError, match="reason"):
        redemptions.reject(uow, _hr(uow), done.id, reason="  ")


def test_approve_then_fulfil_with_a_voucher_code(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    hr = _hr(uow)
    done = _redeem(uow, who, _reward(uow, stock=4)).redemption
    approved = redemptions.approve(uow, hr, done.id)
    assert approved.status is RedemptionStatus.APPROVED
    assert approved.decided_by_id == hr.employee_id
    fulfilled = redemptions.fulfil(uow, hr, done.id, voucher_code=" RAIL-7F3K-22 ")
    assert fulfilled.status is RedemptionStatus.FULFILLED
    assert fulfilled.voucher_code == "RAIL-7F3K-22"
    assert fulfilled.fulfilled_at is not None
    assert _balance(uow, who[0]) == 4000  # fulfilled: the held points are spent
    with uow:
        actions = uow.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.target_type == "redemption", AuditEvent.target_id == str(done.id))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["redemption.request", "redemption.approve", "redemption.fulfil"]


def test_fulfil_needs_a_code_or_a_note(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    hr = _hr(uow)
    done = _redeem(uow, who, _reward(uow, auto_approve=True)).redemption
    with pytest.raises(DomainError, match="voucher_code"):
        redemptions.fulfil(uow, hr, done.id, voucher_code=" ", note="")
    noted = redemptions.fulfil(uow, hr, done.id, note="Handed over at the Berlin office")
    assert noted.note == "Handed over at the Berlin office" and noted.voucher_code is None


@pytest.mark.parametrize(
    ("setup", "action", "states"),
    [
        ("reject", "fulfil", ("rejected", "fulfilled")),
        ("requested", "fulfil", ("requested", "fulfilled")),
        ("fulfil", "approve", ("fulfilled", "approved")),
        ("approve", "approve", ("approved", "approved")),
        ("approve", "cancel", ("approved", "cancelled")),
        ("fulfil", "reject", ("fulfilled", "rejected")),
        ("cancel", "approve", ("cancelled", "approved")),
    ],
)
def test_illegal_status_changes_are_409_naming_both_states(
    uow: UnitOfWork, setup: str, action: str, states: tuple[str, str]
) -> None:
    who = _person(uow, 5000)
    hr = _hr(uow)
    done = _redeem(uow, who, _reward(uow)).redemption
    steps: dict[str, Callable[[], object]] = {
        "requested": lambda: None,
        "approve": lambda: redemptions.approve(uow, hr, done.id),
        "reject": lambda: redemptions.reject(uow, hr, done.id, reason="no"),
        "cancel": lambda: redemptions.cancel(uow, who[1], done.id, employee_id=who[0]),
        "fulfil": lambda: redemptions.fulfil(uow, hr, done.id, voucher_code="V-1"),
    }
    if setup == "fulfil":
        steps["approve"]()
    steps[setup]()
    before = _balance(uow, who[0])
    with pytest.raises(InvalidTransition) as caught:
        steps[action]()
    assert caught.value.http_status == 409
    assert states[0] in caught.value.message and states[1] in caught.value.message
    assert _balance(uow, who[0]) == before


def test_the_employee_cancels_their_own_while_requested(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    other = _person(uow, 5000)
    reward_id = _reward(uow, stock=3)
    done = _redeem(uow, who, reward_id).redemption
    with pytest.raises(NotFound):  # someone else's redemption does not exist for them
        redemptions.cancel(uow, other[1], done.id, employee_id=other[0])
    cancelled = redemptions.cancel(uow, who[1], done.id, employee_id=who[0])
    assert cancelled.status is RedemptionStatus.CANCELLED
    assert cancelled.refund_transaction_id is not None
    assert (_balance(uow, who[0]), _stock(uow, reward_id)) == (5000, 3)


def test_someone_elses_redemption_is_not_found_but_hr_sees_it(uow: UnitOfWork) -> None:
    who = _person(uow, 5000)
    other = _person(uow)
    done = _redeem(uow, who, _reward(uow)).redemption
    with uow:
        assert queries.get_redemption(uow.session, done.id, viewer_id=who[0]) == done
        with pytest.raises(NotFound):
            queries.get_redemption(uow.session, done.id, viewer_id=other[0])
        assert queries.get_redemption(uow.session, done.id, viewer_id=other[0], see_all=True)
        assert queries.redemptions_for(uow.session, other[0]) == []
    with pytest.raises(NotFound):
        redemptions.approve(uow, _hr(uow), 424_242)


# --- a crash in the middle -------------------------------------------------------------------


class Crash(Exception):
    pass


@pytest.mark.parametrize("where", ["right_after_the_hold", "audit", "before_commit"])
def test_a_crash_after_the_debit_leaves_nothing(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    who = _person(uow, 5000)
    reward_id = _reward(uow, stock=2)
    debited: list[int] = []
    real_post = ledger.post

    def post_and_note(*args: Any, **kwargs: Any) -> Any:
        posted = real_post(*args, **kwargs)
        debited.append(posted.transaction_id)
        if where == "right_after_the_hold":
            raise Crash("power cut")
        return posted

    def boom(*args: Any, **kwargs: Any) -> Any:
        assert debited, "the crash must come after the debit"
        raise Crash("power cut")

    monkeypatch.setattr(redemptions, "post", post_and_note)
    if where == "audit":
        monkeypatch.setattr(audit, "record", boom)
    elif where == "before_commit":  # the redemption row is flushed by then
        monkeypatch.setattr(redemptions, "redemption_view", boom)

    with pytest.raises(Crash):
        _redeem(uow, who, reward_id)

    assert debited  # the hold was written inside the transaction, then rolled back
    assert _balance(uow, who[0]) == 5000
    assert _stock(uow, reward_id) == 2
    assert _holds(uow) == 0
    assert _redemptions(uow) == 0
    assert _ledger_total(uow) == 0
    with uow:
        assert (
            uow.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "redemption.request"
                )
            )
            == 0
        )


# --- the catalogue ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "  "}, "name"),
        ({"cost_points": 0}, "cost_points"),
        ({"cost_points": -5}, "cost_points"),
        ({"stock": -1}, "stock"),
        ({"per_person_limit": 0}, "per_person_limit"),
        ({"per_person_limit": 1, "limit_period": "week"}, "limit_period"),
        ({"kind": "cash"}, "kind"),
        ({"kind": "donation"}, "project_name"),
        ({"image_url": "javascript:alert(1)"}, "image_url"),
    ],
)
def test_add_reward_names_the_bad_field(
    uow: UnitOfWork, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        _reward(uow, **values)
    assert caught.value.http_status == 400
    assert caught.value.message.startswith(f"{field}:")


def test_add_reward_stores_and_audits(uow: UnitOfWork) -> None:
    added = catalogue.add_reward(
        uow,
        OPERATOR,
        name=" Mangrove restoration ",
        cost_points=25_000,
        kind="donation",
        project_name="Sundarbans mangroves",
        per_person_limit=1,
        limit_period="quarter",
    )
    assert added.name == "Mangrove restoration"
    assert added.kind is RewardKind.DONATION
    with pytest.raises(DomainError) as caught:  # the name is taken while it is active
        _reward(uow, name="MANGROVE restoration")
    assert caught.value.http_status == 409
    with uow:
        target = uow.session.scalar(
            sa.select(AuditEvent.target_id).where(AuditEvent.action == "reward.add")
        )
    assert target == str(added.id)


CSV_HEADER = (
    "name,kind,cost_points,stock,per_person_limit,limit_period,auto_approve,project_name,"
    "description,image_url\n"
)


def test_import_csv_adds_every_row(uow: UnitOfWork, tmp_path: Path) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(
        CSV_HEADER
        + "Rail voucher,voucher,30000,,4,year,false,,Any operator,\n"
        + 'Bike service,perk,8000,60,2,,yes,,"Service, lights, brakes",/img/bike.png\n'
        + "Peatland rewetting,donation,10000,,,,,Moorfutures,,\n",
        encoding="utf-8",
    )
    added = catalogue.import_rewards_csv(uow, OPERATOR, path)
    assert [r.name for r in added] == ["Rail voucher", "Bike service", "Peatland rewetting"]
    bike = added[1]
    assert (bike.stock, bike.per_person_limit, bike.limit_period, bike.auto_approve) == (
        60,
        2,
        "year",
        True,
    )
    assert bike.description == "Service, lights, brakes"
    assert added[2].project_name == "Moorfutures" and added[2].stock is None
    with uow:
        assert len(catalogue.list_rewards(uow.session, active_only=True)) == 3


def test_import_csv_with_a_bad_row_stores_nothing_and_names_file_row_and_field(
    uow: UnitOfWork, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue-2026.csv"
    path.write_text(
        CSV_HEADER
        + "Rail voucher,voucher,30000,,,,,,,\n"
        + "Bike service,perk,lots,60,,,,,,\n"
        + "Peatland rewetting,donation,10000,,,,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DomainError) as caught:
        catalogue.import_rewards_csv(uow, OPERATOR, path)
    message = caught.value.message
    assert message.startswith("catalogue-2026.csv: nothing imported")
    assert "row 3, cost_points: 'lots' is not a whole number" in message
    assert "row 4, project_name" in message
    with uow:
        assert catalogue.list_rewards(uow.session, active_only=False) == []


def test_import_csv_refuses_unknown_columns_and_names_taken(
    uow: UnitOfWork, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("name,cost_points,colour\nA,10,green\n", encoding="utf-8")
    with pytest.raises(DomainError, match=r"odd\.csv: row 1: unknown column 'colour'"):
        catalogue.import_rewards_csv(uow, OPERATOR, odd)
    _reward(uow, name="Rail voucher")
    again = tmp_path / "again.csv"
    again.write_text("name,cost_points\nRail voucher,10\n", encoding="utf-8")
    with pytest.raises(DomainError, match=r"again\.csv: .*row 2, name: an active reward"):
        catalogue.import_rewards_csv(uow, OPERATOR, again)


def test_offers_say_why_a_reward_cannot_be_redeemed(uow: UnitOfWork) -> None:
    who = _person(uow, 1500)
    affordable = _reward(uow, cost_points=1000, per_person_limit=1, limit_period="ever")
    dear = _reward(uow, cost_points=2000)
    gone = _reward(uow, cost_points=10, stock=0)
    with uow:
        offers = {o.reward.id: o for o in queries.offers_for(uow.session, who[0], balance=1500)}
    assert offers[affordable].blocked is None
    assert offers[dear].blocked == "You need 500 more points"
    assert offers[gone].blocked == "Out of stock"
    _redeem(uow, who, affordable)
    with uow:
        offers = {o.reward.id: o for o in queries.offers_for(uow.session, who[0], balance=500)}
    assert offers[affordable].used == 1
    assert offers[affordable].blocked == "Limit reached: once per person"


# --- concurrency -----------------------------------------------------------------------------

THREADS = 50


@pytest.fixture
def busy_state(db_url: str, tmp_path: Path) -> Iterator[CarbonState]:
    """An application whose pool lets every thread hold a connection at once."""
    app = create_app(make_settings(db_url, tmp_path, database={"pool_size": THREADS + 10}))
    state: CarbonState = app.extensions[EXTENSION_KEY]
    yield state
    state.engine.dispose()


def _race(state: CarbonState, attempt: Callable[[int], Requested]) -> list[object]:
    """Runs ``attempt`` in THREADS threads released together; each result or exception."""
    barrier = threading.Barrier(THREADS, timeout=60)

    def run(i: int) -> object:
        barrier.wait()
        try:
            return attempt(i)
        except Exception as exc:  # collected and judged by the test
            return exc

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


@pytest.mark.parametrize(
    ("stock", "succeed", "refusal", "final_balance", "final_stock"),
    [
        (5, 5, OutOfStock, 2000, 0),  # the stock runs out first
        (None, 7, InsufficientBalance, 0, None),  # the balance runs out first
    ],
)
def test_many_concurrent_redemptions_never_overspend(
    busy_state: CarbonState,
    stock: int | None,
    succeed: int,
    refusal: type[Exception],
    final_balance: int,
    final_stock: int | None,
) -> None:
    uow = busy_state.uow()
    who = _person(uow, 7000)
    reward_id = _reward(uow, cost_points=1000, stock=stock)
    started = time.perf_counter()

    outcomes = _race(
        busy_state, lambda i: _redeem(busy_state.uow(), who, reward_id, f"race-{reward_id}-{i}")
    )

    elapsed = time.perf_counter() - started
    done = [o for o in outcomes if isinstance(o, Requested)]
    refused = Counter(type(o).__name__ for o in outcomes if not isinstance(o, Requested))
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, refusal)]
    assert unexpected == [], f"unexpected errors: {unexpected[:3]}"
    assert len(done) == succeed and all(d.created for d in done)
    assert refused == {refusal.__name__: THREADS - succeed}
    assert all(getattr(o, "http_status", None) == 409 for o in outcomes if o not in done)
    assert _balance(uow, who[0]) == final_balance
    assert _stock(uow, reward_id) == final_stock
    assert _holds(uow) == succeed
    assert _redemptions(uow) == succeed
    assert _redemption_account(uow) == succeed * 1000
    assert _ledger_total(uow) == 0
    assert elapsed < 60


def test_one_idempotency_key_sent_by_many_threads_redeems_once(busy_state: CarbonState) -> None:
    uow = busy_state.uow()
    who = _person(uow, 7000)
    reward_id = _reward(uow, cost_points=1000, stock=5)

    outcomes = _race(busy_state, lambda i: _redeem(busy_state.uow(), who, reward_id, "one-key"))

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    done = [o for o in outcomes if isinstance(o, Requested)]
    assert len({d.redemption.id for d in done}) == 1
    assert sum(d.created for d in done) == 1
    assert _holds(uow) == 1
    assert _redemptions(uow) == 1
    assert _balance(uow, who[0]) == 6000
    assert _stock(uow, reward_id) == 4
