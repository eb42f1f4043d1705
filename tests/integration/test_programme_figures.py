"""The points programme of a period on the hand-computed fixtures (tests/programme_fixture.py),
on SQLite and PostgreSQL: points from the ledger, the liability, avoided kg by baseline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from corp_carbon.config import Settings
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.programme import AvoidedByCategory, Money, PointMovements
from corp_carbon.services.ledger.adjustments import adjust
from corp_carbon.services.reports.programme import points_position, programme_figures
from corp_carbon.services.scoring.assessments import assess_activities
from tests.conftest import make_settings
from tests.programme_fixture import AVOIDED_PERIOD, PERIOD, seed_commutes, seed_ledger


def test_points_of_march_from_the_ledger(uow: UnitOfWork, settings: Settings) -> None:
    seed_ledger(uow)
    figures = programme_figures(uow, settings, *PERIOD)
    assert figures.points == PointMovements(
        opening=1300, issued=550, reversed=250, redeemed=500, refunded=400, expired=150,
        adjusted_up=50, adjusted_down=25, closing=1375,
    )  # fmt: skip
    assert figures.points.net_redeemed == 100
    assert figures.points.adjusted == 25
    assert figures.points.reconciles
    assert figures.outstanding == 1375


def test_the_liability_is_the_outstanding_balance_at_the_point_value_exactly(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        db_url, tmp_path, rewards={"point_value": "0.0125", "point_currency": "GBP"}
    )
    seed_ledger(uow)
    figures = programme_figures(uow, settings, *PERIOD)
    # 1,375 points x GBP 0.0125
    assert figures.liability == Money(Decimal("17.1875"), "GBP")
    assert figures.point_value == Money(Decimal("0.0125"), "GBP")


def test_a_period_holding_everything_opens_at_zero(uow: UnitOfWork, settings: Settings) -> None:
    seed_ledger(uow)
    figures = programme_figures(uow, settings, date(2026, 1, 1), date(2026, 12, 31))
    # 1,000 + 500 + 300 + 250 + 999 issued; 200 + 400 + 100 redeemed; closing 1,375 + 999
    assert figures.points == PointMovements(
        opening=0, issued=3049, reversed=250, redeemed=700, refunded=400, expired=150,
        adjusted_up=50, adjusted_down=25, closing=2374,
    )  # fmt: skip
    assert figures.points.reconciles


def test_a_period_before_any_posting_is_all_zero(uow: UnitOfWork, settings: Settings) -> None:
    seed_ledger(uow)
    figures = programme_figures(uow, settings, date(2025, 1, 1), date(2025, 12, 31))
    assert figures.points == PointMovements(0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert figures.liability == Money(Decimal("0.000"), "EUR")


def test_a_period_ending_before_it_starts_is_refused(uow: UnitOfWork, settings: Settings) -> None:
    with pytest.raises(DomainError, match="from 2026-03-31: after to 2026-03-01"):
        programme_figures(uow, settings, date(2026, 3, 31), date(2026, 3, 1))


def test_what_the_ledger_services_post_lands_in_its_column(
    uow: UnitOfWork, settings: Settings, create_employee: Callable[..., EmployeeProfile]
) -> None:
    """Adjustments posted by the real service, today."""
    hr = create_employee(email="hr@example.com", roles=("hr",))
    worker = create_employee(email="worker@example.com")
    actor = Actor(label=hr.email, employee_id=hr.id)
    adjust(uow, actor, employee=worker.email, points=80, reason="goodwill", request_key="k1")
    adjust(uow, actor, employee=worker.email, points=-30, reason="typo", request_key="k2")
    today = date.today()
    figures = programme_figures(uow, settings, today, today)
    assert (figures.points.adjusted_up, figures.points.adjusted_down) == (80, 30)
    assert (figures.points.opening, figures.points.closing) == (0, 50)
    assert figures.points.reconciles


def _avoided(bt: str, commuting: str) -> AvoidedByCategory:
    return AvoidedByCategory(Decimal(bt), Decimal(commuting))


@pytest.mark.parametrize("additionality", ["reference", "personal"])
def test_avoided_against_both_baselines_whichever_the_points_follow(
    uow: UnitOfWork, db_url: str, tmp_path: Path, additionality: str
) -> None:
    settings = make_settings(db_url, tmp_path, methodology={"additionality": additionality})
    seed_commutes(uow)
    run = assess_activities(uow, settings)
    assert run.problems == {}
    figures = programme_figures(uow, settings, *AVOIDED_PERIOD)
    assert figures.points_follow == additionality
    assert figures.avoided_reference == _avoided("12.225", "7.192")
    assert figures.avoided_personal == _avoided("12.225", "4.293")
    assert figures.avoided_reference.total == Decimal("19.417")
    # the stored side is the points' side: 1 point per gram avoided
    assert (
        figures.avoided(additionality).total * 1000
        == {
            "reference": 19417,
            "personal": 16518,
        }[additionality]
    )


def test_the_points_part_alone_is_the_same_as_in_the_whole(
    uow: UnitOfWork, settings: Settings
) -> None:
    seed_ledger(uow)
    assert (
        points_position(uow, settings, *PERIOD)
        == programme_figures(uow, settings, *PERIOD).position
    )
