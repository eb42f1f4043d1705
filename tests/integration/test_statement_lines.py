"""The statement's lines carry what they belong to as values, for the pages to word."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from corp_carbon.db.models import Activity, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import ActivityKind, Mode, TransactionKind, Verification
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.ledger import statements
from corp_carbon.services.rewards import catalogue, redemptions


def test_lines_know_their_trip_and_redemption_and_both_days(uow: UnitOfWork) -> None:
    with uow:
        ana = Employee(email="ana@example.com", name="Ana")
        uow.session.add(ana)
        uow.session.flush()
        trip = Activity(
            employee_id=ana.id,
            kind=ActivityKind.BUSINESS_TRAVEL,
            mode=Mode.RAIL,
            origin="London",
            destination="Paris",
            travel_date=date(2024, 12, 30),
            distance_km=Decimal("460"),
            verification=Verification.SELF_REPORTED,
        )
        uow.session.add(trip)
        uow.session.flush()
        ledger.earn(
            uow.session, employee_id=ana.id, activity_id=trip.id, points=900, methodology_version=1
        )
        uow.commit()
        ana_id = ana.id
    hr = Actor(label="hr")
    reward = catalogue.add_reward(uow, hr, name="Rail voucher", kind="voucher", cost_points=400)
    redemptions.request_redemption(
        uow, hr, employee_id=ana_id, reward_id=reward.id, request_key="a"
    )
    with uow:
        earned, held = statements.statement(uow.session, ana_id)
    assert (earned.mode, earned.origin, earned.destination) == (Mode.RAIL, "London", "Paris")
    assert earned.dated == date(2024, 12, 30)  # the trip's day, not the posting's
    assert earned.posted_on == date.today()
    assert held.kind is TransactionKind.REDEEM and held.reward == "Rail voucher"
    assert held.requested_on == held.dated == date.today()
    assert held.mode is None and held.running_balance == 500
    assert statements.years([earned, held]) == [date.today().year]
