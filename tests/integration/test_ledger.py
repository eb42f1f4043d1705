"""The ledger: balanced, idempotent, append-only, reversals instead of edits, FIFO expiry."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from corp_carbon.catalogue import load_catalogue
from corp_carbon.db.models import (
    Activity,
    AuditEvent,
    Employee,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.ledger import (
    IdempotencyKeyReused,
    InsufficientBalance,
    LedgerInvariantError,
    Leg,
    employee_code,
    system_code,
)
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import (
    AccountKind,
    ActivityKind,
    ActivityStatus,
    Mode,
    TransactionKind,
    Verification,
)
from corp_carbon.services.ledger import adjustments, earnings, statements
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.ledger.earnings import post_earnings
from corp_carbon.services.ledger.expiry import expire_points
from corp_carbon.services.scoring.assessments import assess_activities
from tests.conftest import make_settings

HR = Actor(label="hr@example.com")
_emails = itertools.count()


def _employee(uow: UnitOfWork) -> int:
    with uow:
        person = Employee(email=f"person{next(_emails)}@example.com", name="Zoë Müller")
        uow.session.add(person)
        uow.session.flush()
        ledger.employee_account(uow.session, person.id)
        for kind in (
            AccountKind.ISSUANCE,
            AccountKind.REDEMPTION,
            AccountKind.EXPIRY,
            AccountKind.ADJUSTMENT,
        ):
            ledger.system_account(uow.session, kind)
        uow.commit()
        return person.id


def _activity(uow: UnitOfWork, employee_id: int, **extra: object) -> int:
    with uow:
        values: dict[str, object] = {
            "employee_id": employee_id,
            "kind": ActivityKind.COMMUTE,
            "mode": Mode.BIKE,
            "travel_date": date(2025, 3, 3),
            "distance_km": Decimal("7.5"),
            "verification": Verification.SELF_REPORTED,
            **extra,
        }
        activity = Activity(**values)
        uow.session.add(activity)
        uow.session.flush()
        uow.commit()
        return activity.id


def _credit(uow: UnitOfWork, employee_id: int, points: int, key: str) -> ledger.Posted:
    with uow:
        posted = ledger.post(
            uow.session,
            kind=TransactionKind.ADJUST,
            idempotency_key=key,
            request={"p": points},
            legs=[
                Leg(system_code(AccountKind.ADJUSTMENT), -points),
                Leg(employee_code(employee_id), points),
            ],
            reason_code="test",
        )
        uow.commit()
        return posted


def _balance(uow: UnitOfWork, employee_id: int) -> int:
    with uow:
        return ledger.balance(uow.session, employee_id)


def test_postings_must_balance_and_be_whole_points(uow: UnitOfWork) -> None:
    person = _employee(uow)
    bad = [
        [Leg(employee_code(person), 5), Leg(system_code(AccountKind.ISSUANCE), -4)],
        [Leg(employee_code(person), 0), Leg(system_code(AccountKind.ISSUANCE), 0)],
        [Leg(employee_code(person), 5)],
    ]
    for legs in bad:
        with uow, pytest.raises(LedgerInvariantError):
            ledger.post(
                uow.session,
                kind=TransactionKind.ADJUST,
                idempotency_key="x",
                request={},
                legs=legs,
                reason_code="t",
            )
    with uow, pytest.raises(LedgerInvariantError, match="whole number"):
        ledger.post(
            uow.session,
            kind=TransactionKind.ADJUST,
            idempotency_key="x",
            request={},
            legs=[Leg(employee_code(person), 1.5), Leg(system_code(AccountKind.ISSUANCE), -1.5)],  # type: ignore[arg-type]
            reason_code="t",
        )


def test_the_same_key_twice_writes_nothing(uow: UnitOfWork) -> None:
    person = _employee(uow)
    first = _credit(uow, person, 100, "k1")
    again = _credit(uow, person, 100, "k1")
    assert first.created and not again.created
    assert first.transaction_id == again.transaction_id
    assert _balance(uow, person) == 100
    with pytest.raises(IdempotencyKeyReused):
        _credit(uow, person, 999, "k1")
    assert _balance(uow, person) == 100


def test_an_activity_earns_once_and_reversal_gives_back_exactly_that(uow: UnitOfWork) -> None:
    person = _employee(uow)
    activity = _activity(uow, person)
    with uow:
        first = ledger.earn(
            uow.session,
            employee_id=person,
            activity_id=activity,
            points=2081,
            methodology_version=1,
        )
        second = ledger.earn(
            uow.session,
            employee_id=person,
            activity_id=activity,
            points=9999,
            methodology_version=2,
        )
        uow.commit()
    assert first is not None and first.created
    assert second is not None and not second.created
    _credit(uow, person, 500, "other")
    with uow:
        earning = first.transaction_id
        reversal = ledger.reverse(uow.session, earning, reason_code="activity_cancelled")
        again = ledger.reverse(uow.session, earning, reason_code="activity_cancelled")
        uow.commit()
    assert reversal is not None and reversal.created
    assert again is not None and not again.created
    assert _balance(uow, person) == 500
    with uow:
        tx = uow.session.get(LedgerTransaction, reversal.transaction_id)
        assert tx is not None
        assert tx.reverses_id == first.transaction_id
        assert tx.reason_code == "activity_cancelled"


def test_bulk_earning_matches_one_by_one(uow: UnitOfWork) -> None:
    people = [_employee(uow) for _ in range(3)]
    activities = [(p, _activity(uow, p)) for p in people for _ in range(4)]
    batch = [earnings.Earning(p, a, 100 + a, 1) for p, a in activities]
    with uow:
        assert earnings.earn_many(uow.session, batch) == 12
        assert earnings.earn_many(uow.session, batch) == 0  # idempotent
        uow.commit()
    with uow:
        s = uow.session
        assert s.scalar(sa.select(sa.func.sum(LedgerEntry.amount))) == 0
        for p in people:
            assert ledger.balance(s, p) == sum(100 + a for q, a in activities if q == p)
        keys = set(s.scalars(sa.select(LedgerTransaction.idempotency_key)))
        assert {f"earn:{a}:1" for _, a in activities} <= keys


def test_adjustments_need_a_reason_never_go_below_zero_and_are_audited(uow: UnitOfWork) -> None:
    person = _employee(uow)
    with uow:
        email = uow.session.get(Employee, person).email  # type: ignore[union-attr]
    with pytest.raises(DomainError, match="needs a reason"):
        adjustments.adjust(uow, HR, employee=email, points=10, reason=" ", request_key="a")
    adjustments.adjust(
        uow,
        HR,
        employee=email.upper(),
        points=300,
        reason="conference volunteering",
        request_key="a",
    )
    with pytest.raises(InsufficientBalance, match="has 300 points; cannot take 301"):
        adjustments.adjust(uow, HR, employee=email, points=-301, reason="typo", request_key="b")
    adjustments.adjust(uow, HR, employee=email, points=-300, reason="typo", request_key="c")
    assert _balance(uow, person) == 0
    with uow:
        events = uow.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "ledger.adjust")
        ).all()
        assert [e.detail["points"] for e in events] == [300, -300]
        assert events[0].detail["reason"] == "conference volunteering"


def test_statement_has_a_running_balance(uow: UnitOfWork) -> None:
    person = _employee(uow)
    _credit(uow, person, 100, "s1")
    _credit(uow, person, 50, "s2")
    with uow:
        lines = statements.statement(uow.session, person)
    assert [(line.amount, line.running_balance) for line in lines] == [(100, 100), (50, 150)]


def test_expiry_is_first_in_first_out_and_once_a_month(uow: UnitOfWork) -> None:
    person = _employee(uow)
    _credit(uow, person, 1000, "old")
    _credit(uow, person, 200, "new")
    with uow:
        ledger.post(
            uow.session,
            kind=TransactionKind.ADJUST,
            idempotency_key="spend",
            request={},
            legs=[Leg(employee_code(person), -300), Leg(system_code(AccountKind.ADJUSTMENT), 300)],
            reason_code="test",
        )
        uow.commit()
    today = date.today()
    assert expire_points(uow, as_of=today, months=24).points == 0  # nothing is old yet
    # 25 months on, both credits are older than 24 months: 1200 credited - 300 spent expire
    later = today + timedelta(days=25 * 31)
    run = expire_points(uow, as_of=later, months=24)
    assert (run.accounts, run.points) == (1, 900)
    assert _balance(uow, person) == 0
    assert expire_points(uow, as_of=later, months=24).points == 0  # once per month
    with uow:
        expiry = uow.session.scalars(
            sa.select(LedgerTransaction).where(LedgerTransaction.kind == TransactionKind.EXPIRE)
        ).one()
        assert expiry.reason_code == "fifo_expiry"


def test_fifo_charges_spending_to_the_oldest_lots() -> None:
    from corp_carbon.domain.ledger import Lot, fifo_expirable

    lots = [Lot(date(2023, 1, 1), 100), Lot(date(2024, 6, 1), 50)]
    assert fifo_expirable(lots, debited=30, cutoff=date(2024, 1, 1)) == 70
    assert fifo_expirable(lots, debited=120, cutoff=date(2024, 1, 1)) == 0
    assert fifo_expirable(lots, debited=120, cutoff=date(2025, 1, 1)) == 30


def test_entries_cannot_be_edited_even_by_the_ledger_code(uow: UnitOfWork) -> None:
    person = _employee(uow)
    _credit(uow, person, 100, "e1")
    with uow, pytest.raises(sa.exc.DatabaseError, match="append-only"):
        uow.session.execute(sa.update(LedgerEntry).values(amount=1_000_000))
        uow.session.flush()


def test_earnings_follow_assessments_caps_and_cancellations(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    config = make_settings(
        db_url, tmp_path, methodology={"commute_trips_per_day": 2, "factor_set": "desnz-2024"}
    )
    person = _employee(uow)
    trips = [_activity(uow, person) for _ in range(3)]  # three bike commutes on one day: cap 2
    assess_activities(uow, config)
    first = post_earnings(uow, config)
    assert (first.earned, first.capped) == (2, 1)
    average_car = load_catalogue().factor_sets["desnz-2024"].factors["car.average.unknown"].value
    solo_car_7_5 = (Decimal("7.5") * average_car).quantize(Decimal("0.001"))
    assert _balance(uow, person) == 2 * int(solo_car_7_5 * 1000)
    assert post_earnings(uow, config).earned == 0  # nothing new
    with uow:
        activity = uow.session.get(Activity, trips[0])
        assert activity is not None
        activity.status = ActivityStatus.CANCELLED
        uow.commit()
    third = post_earnings(uow, config)
    assert third.reversed == 1
    assert third.earned == 1  # the capped third trip now fits in the day's two
    assert _balance(uow, person) == 2 * int(solo_car_7_5 * 1000)


# -- any sequence of operations keeps the ledger sound ---------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    uow_factory: object = None

    def __init__(self) -> None:
        super().__init__()
        self.uow: UnitOfWork = self.uow_factory()  # type: ignore[operator]
        self.person = _employee(self.uow)
        self.keys = itertools.count()
        self.earnings: list[int] = []
        self.redemptions: list[int] = []
        self.issued = self.redeemed = self.expired = self.adjusted = 0

    def _key(self, prefix: str) -> str:
        return f"{prefix}:{self.person}:{next(self.keys)}"

    @rule(points=st.integers(min_value=1, max_value=5000))
    def earn(self, points: int) -> None:
        activity = _activity(self.uow, self.person)
        with self.uow:
            posted = ledger.earn(
                self.uow.session,
                employee_id=self.person,
                activity_id=activity,
                points=points,
                methodology_version=1,
            )
            self.uow.commit()
        assert posted is not None
        self.earnings.append(posted.transaction_id)
        self.issued += points

    @precondition(lambda self: self.earnings)
    @rule(data=st.data())
    def reverse_earning(self, data: st.DataObject) -> None:
        tx = self.earnings.pop(data.draw(st.integers(0, len(self.earnings) - 1)))
        with self.uow:
            account = ledger.employee_account(self.uow.session, self.person)
            ledger.lock_account(self.uow.session, account)
            amount = self.uow.session.scalar(
                sa.select(LedgerEntry.amount).where(
                    LedgerEntry.transaction_id == tx, LedgerEntry.account_id == account
                )
            )
            if ledger.balance_of_account(self.uow.session, account) < (amount or 0):
                return  # already spent: a reversal would go below zero, so it is refused
            ledger.reverse(self.uow.session, tx, reason_code="activity_cancelled")
            self.uow.commit()
        self.issued -= int(amount or 0)

    @rule(cost=st.integers(min_value=1, max_value=8000))
    def redeem(self, cost: int) -> None:
        with self.uow:
            s = self.uow.session
            account = ledger.employee_account(s, self.person)
            ledger.lock_account(s, account)
            if ledger.balance_of_account(s, account) < cost:
                return
            posted = ledger.post(
                s,
                kind=TransactionKind.REDEEM,
                idempotency_key=self._key("redeem"),
                request={"cost": cost},
                legs=[
                    Leg(employee_code(self.person), -cost),
                    Leg(system_code(AccountKind.REDEMPTION), cost),
                ],
                reason_code="reward_requested",
            )
            self.uow.commit()
        self.redemptions.append(posted.transaction_id)
        self.redeemed += cost

    @precondition(lambda self: self.redemptions)
    @rule()
    def refund(self) -> None:
        tx = self.redemptions.pop()
        with self.uow:
            amount = self.uow.session.scalar(
                sa.select(LedgerEntry.amount).where(
                    LedgerEntry.transaction_id == tx, LedgerEntry.amount > 0
                )
            )
            ledger.reverse(self.uow.session, tx, reason_code="redemption_rejected")
            self.uow.commit()
        self.redeemed -= int(amount or 0)

    @rule(points=st.integers(min_value=-3000, max_value=3000).filter(bool))
    def adjust(self, points: int) -> None:
        with self.uow:
            email = self.uow.session.get(Employee, self.person).email  # type: ignore[union-attr]
        try:
            adjustments.adjust(
                self.uow,
                HR,
                employee=email,
                points=points,
                reason="property test",
                request_key=self._key("adj"),
            )
        except InsufficientBalance:
            return
        self.adjusted += points

    @rule()
    def expire(self) -> None:
        # the job runs for every account; earlier examples' people share the database, so
        # count only what this person lost
        before = _balance(self.uow, self.person)
        expire_points(
            self.uow, as_of=date.today() + timedelta(days=3650 + 31 * next(self.keys)), months=1
        )
        self.expired += before - _balance(self.uow, self.person)

    @invariant()
    def sound(self) -> None:
        with self.uow:
            s = self.uow.session
            unbalanced = s.execute(
                sa.select(LedgerEntry.transaction_id)
                .group_by(LedgerEntry.transaction_id)
                .having(sa.func.sum(LedgerEntry.amount) != 0)
            ).all()
            assert unbalanced == []
            negative = s.execute(
                sa.select(LedgerAccount.code)
                .join(LedgerEntry)
                .where(LedgerAccount.kind == AccountKind.EMPLOYEE)
                .group_by(LedgerAccount.code)
                .having(sa.func.sum(LedgerEntry.amount) < 0)
            ).all()
            assert negative == []
            assert (
                ledger.balance(s, self.person)
                == self.issued - self.redeemed - self.expired + self.adjusted
            )


def test_any_sequence_keeps_the_ledger_sound(state: object) -> None:
    LedgerMachine.uow_factory = state.uow  # type: ignore[attr-defined]
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_a_conflict_inside_a_bulk_batch_falls_back_without_double_earning(uow: UnitOfWork) -> None:
    person = _employee(uow)
    activity = _activity(uow, person)
    twice = [earnings.Earning(person, activity, 700, 1), earnings.Earning(person, activity, 700, 2)]
    with uow:
        assert earnings.earn_many(uow.session, twice) == 1  # the unique index stops the second
        uow.commit()
    assert _balance(uow, person) == 700
