"""The carbon account's figures (services.account.summary) against the trips they sum up,
on SQLite and PostgreSQL: month, year and twelve months; business travel and commuting;
someone else's trips and cancelled trips never counted; the balance is the ledger's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from corp_carbon.config import Settings
from corp_carbon.db.queries import activities_for
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.account import AccountSummary, Figures
from corp_carbon.domain.activities import ActivityView
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ActivityKind, ActivityStatus, Mode, RewardKind
from corp_carbon.services.account.summary import account_summary, glance
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.rewards.catalogue import add_reward
from tests.account_fixture import add_flight, add_rail_trip, add_trip, cancel, score
from tests.support import OPERATOR

TODAY = date(2026, 3, 20)


@pytest.fixture
def people(create_employee: Callable[..., EmployeeProfile]) -> tuple[int, int]:
    return (
        create_employee(email="ana@example.com", name="Ana Lima").id,
        create_employee(email="bo@example.com", name="Bo Chen").id,
    )


def _trips(uow: UnitOfWork, employee_id: int) -> list[ActivityView]:
    with uow:
        return activities_for(uow.session, employee_id, limit=1000)


def _sum(trips: list[ActivityView], *, month: tuple[int, int] | None = None, year: int = 0,
         kind: ActivityKind | None = None) -> Figures:  # fmt: skip
    total = Figures()
    for t in trips:
        if t.status is not ActivityStatus.CONFIRMED or (kind and t.kind is not kind):
            continue
        if month and (t.travel_date.year, t.travel_date.month) != month:
            continue
        if year and t.travel_date.year != year:
            continue
        assert t.kg_co2e is not None and t.points is not None
        avoided = Decimal(
            next((s["avoided_kg_co2e"] for s in t.explanation if s["step"] == "avoided"), "0")
        )
        total += Figures(1, t.kg_co2e, avoided, t.points)
    return total


def _seed(uow: UnitOfWork, settings: Settings, ana: int, bo: int) -> dict[str, int]:
    ids = {
        "jan_bike": add_trip(uow, ana, date(2026, 1, 12)),
        "jan_rail": add_rail_trip(uow, ana, date(2026, 1, 14)),
        "mar_bike": add_trip(uow, ana, date(2026, 3, 2)),
        "mar_bus": add_trip(uow, ana, date(2026, 3, 3), mode=Mode.BUS, km="12"),
        "mar_flight": add_flight(uow, ana, date(2026, 3, 9)),
        "mar_rail_cancelled": add_rail_trip(uow, ana, date(2026, 3, 10)),
        "last_year": add_rail_trip(uow, ana, date(2025, 11, 3)),
        "bo_rail": add_rail_trip(uow, bo, date(2026, 3, 4)),
        "bo_bike": add_trip(uow, bo, date(2026, 3, 4)),
    }
    score(uow, settings)  # the cancelled trip earns first, then is cancelled: points back
    cancel(uow, ids["mar_rail_cancelled"])
    score(uow, settings)
    return ids


def test_month_year_and_months_are_the_sums_of_the_trips(
    uow: UnitOfWork, settings: Settings, people: tuple[int, int]
) -> None:
    ana, bo = people
    _seed(uow, settings, ana, bo)
    trips = _trips(uow, ana)
    found = account_summary(uow, settings, ana, today=TODAY)
    assert isinstance(found, AccountSummary)
    assert found.year == 2026 and found.month.period == "2026-03"
    assert found.month.total == _sum(trips, month=(2026, 3))
    assert found.month.total.trips == 3  # bike, bus, flight; not the cancelled train
    assert found.year_figures.total == _sum(trips, year=2026)
    assert [m.period for m in found.months] == [f"2026-{m:02d}" for m in range(1, 13)]
    for number, month in enumerate(found.months, start=1):
        assert month.total == _sum(trips, month=(2026, number)), month.period
    assert sum((m.total for m in found.months), Figures()) == found.year_figures.total
    assert found.months[1].empty and found.months[11].empty
    assert found.years == (2026, 2025)


def test_business_travel_and_commuting_are_split(
    uow: UnitOfWork, settings: Settings, people: tuple[int, int]
) -> None:
    ana, bo = people
    _seed(uow, settings, ana, bo)
    trips = _trips(uow, ana)
    found = account_summary(uow, settings, ana, today=TODAY)
    january = found.months[0]
    assert january.business == _sum(trips, month=(2026, 1), kind=ActivityKind.BUSINESS_TRAVEL)
    assert january.commute == _sum(trips, month=(2026, 1), kind=ActivityKind.COMMUTE)
    assert january.business.trips == 1 and january.commute.trips == 1
    assert january.business.points > january.commute.points > 0  # the train beats the bike
    assert found.month.business.trips == 1 and found.month.commute.trips == 2
    assert found.month.business.kg_co2e > 100  # the flight


def test_other_employees_and_cancelled_trips_never_count(
    uow: UnitOfWork, settings: Settings, people: tuple[int, int]
) -> None:
    ana, bo = people
    _seed(uow, settings, ana, bo)
    mine = account_summary(uow, settings, ana, today=TODAY)
    theirs = account_summary(uow, settings, bo, today=TODAY)
    bo_trips = _trips(uow, bo)
    assert theirs.month.total == _sum(bo_trips, month=(2026, 3))
    assert theirs.month.total.trips == 2 and theirs.months[0].empty
    # the cancelled train earned and gave its points back: March holds only what stays
    ana_trips = _trips(uow, ana)
    kept = [
        t for t in ana_trips if (t.travel_date.month, t.status) == (3, ActivityStatus.CONFIRMED)
    ]
    assert mine.month.total.points == sum(t.points or 0 for t in kept)
    assert mine.recent[0].travel_date == date(2026, 3, 10)  # recent shows it, with its status
    assert mine.recent[0].status is ActivityStatus.CANCELLED


def test_the_balance_is_the_ledgers_and_says_what_it_buys(
    uow: UnitOfWork, settings: Settings, people: tuple[int, int]
) -> None:
    ana, bo = people
    _seed(uow, settings, ana, bo)
    with uow:
        balance = ledger.balance(uow.session, ana)
    lifetime = _sum(_trips(uow, ana))
    assert balance == lifetime.points  # no reward, no adjustment yet
    for name, cost in (("Cheap", 10), ("Within", balance - 5), ("Beyond", balance + 1000)):
        add_reward(uow, OPERATOR, name=name, cost_points=cost, kind=RewardKind.VOUCHER)
    add_reward(uow, OPERATOR, name="Sold out", cost_points=20, kind=RewardKind.PERK, stock=0)
    found = account_summary(uow, settings, ana, today=TODAY)
    assert found.balance_points == balance
    assert found.balance_value == (balance * settings.rewards.point_value).quantize(Decimal("0.01"))
    assert found.currency == "EUR"
    # 1 point per gram avoided: the balance stands for balance / 1000 kg
    assert found.balance_avoided_kg == (Decimal(balance) / 1000).quantize(Decimal("0.001"))
    assert found.affordable is not None and found.affordable.name == "Cheap"
    assert found.affordable_count == 2  # Cheap and Within; not the sold-out perk
    assert found.next_reward is not None and found.next_reward.name == "Beyond"
    assert found.next_reward.points_needed == 1000


def test_a_new_employee_has_an_empty_account(
    uow: UnitOfWork, settings: Settings, people: tuple[int, int]
) -> None:
    ana, _ = people
    found = account_summary(uow, settings, ana, today=TODAY, year=2025)
    assert not found.has_trips and found.recent == ()
    assert found.balance_points == 0 and found.balance_avoided_kg is None
    assert found.year == 2025 and all(m.empty for m in found.months)
    assert found.years == (2026,)


def test_the_widget_glance_is_this_month_and_the_latest_trip(
    uow: UnitOfWork, settings: Settings, people: tuple[int, int]
) -> None:
    ana, bo = people
    ids = _seed(uow, settings, ana, bo)
    seen = glance(uow, settings, ana, today=TODAY)
    summary = account_summary(uow, settings, ana, today=TODAY)
    assert seen.month == summary.month and seen.balance_points == summary.balance_points
    assert seen.latest is not None and seen.latest.id == ids["mar_rail_cancelled"]
