"""The points policy in the ledger: caps cut earnings and say so; a new policy never touches
points already issued."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.db.models import Activity, Employee, LedgerTransaction
from corp_carbon.db.queries import credited_for
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.vocabulary import (
    AccountKind,
    ActivityKind,
    Mode,
    TransactionKind,
    Verification,
)
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.ledger.earnings import post_earnings
from corp_carbon.services.scoring.assessments import assess_activities
from tests.conftest import make_settings

_emails = itertools.count()


def _employee(uow: UnitOfWork) -> int:
    with uow:
        person = Employee(email=f"cyclist{next(_emails)}@example.com", name="Zoë Müller")
        uow.session.add(person)
        uow.session.flush()
        ledger.employee_account(uow.session, person.id)
        ledger.system_account(uow.session, AccountKind.ISSUANCE)
        uow.commit()
        return person.id


def _commutes(uow: UnitOfWork, employee_id: int, days: list[date], km: str) -> list[int]:
    with uow:
        rows = [
            Activity(
                employee_id=employee_id,
                kind=ActivityKind.COMMUTE,
                mode=Mode.BIKE,
                travel_date=day,
                distance_km=Decimal(km),
                verification=Verification.SELF_REPORTED,
            )
            for day in days
        ]
        uow.session.add_all(rows)
        uow.session.flush()
        uow.commit()
        return [row.id for row in rows]


def _policy_file(folder: Path, monthly: int) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "points-policy-tight.toml"
    path.write_text(
        f"""id = "tight-{monthly}"
title = "Tight"
source = "test"
[[rates]]
behaviour = "commute_bike"
points = "20"
per = "kg"
[[caps]]
period = "trip"
behaviour = "commute"
points = 50
[[caps]]
period = "month"
behaviour = "all"
points = {monthly}
""",
        encoding="utf-8",
    )
    return path


def test_a_monthly_cap_cuts_the_trip_that_reaches_it_and_the_trip_says_so(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    extra = tmp_path / "data"
    _policy_file(extra, 100)
    config = make_settings(
        db_url, tmp_path, shipped=True,
        methodology={"factor_set": "desnz-2024", "points_rule": "tight-100",
                     "extra_data_dir": str(extra)},
    )  # fmt: skip
    person = _employee(uow)
    # 10 km by bike instead of driving alone: 1.6 kg avoided, 33 points a trip
    ids = _commutes(uow, person, [date(2025, 3, d) for d in (3, 4, 5, 6, 7)], "10")
    assess_activities(uow, config)
    run = post_earnings(uow, config)
    assert run.points == 100  # 33 + 33 + 33 + 1 (cut) + nothing
    assert (run.earned, run.capped) == (4, 1)
    with uow:
        first = credited_for(uow.session, ids[0])
        assert first is not None and (first.points, first.cap) == (33, None)
        fourth = credited_for(uow.session, ids[3])
        assert fourth is not None
        assert (fourth.points, fourth.cap, fourth.uncapped_points) == (1, "per_month:all", 33)
        assert credited_for(uow.session, ids[4]) is None
        assert ledger.balance(uow.session, person) == 100


def test_a_new_policy_never_changes_points_already_issued(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    first = make_settings(db_url, tmp_path, shipped=True, methodology={"factor_set": "desnz-2024"})
    person = _employee(uow)
    ids = _commutes(uow, person, [date(2025, 3, 3)], "10")
    assess_activities(uow, first)
    post_earnings(uow, first)
    with uow:
        before = ledger.balance(uow.session, person)
        earned = uow.session.scalars(
            sa.select(LedgerTransaction.id).where(LedgerTransaction.kind == TransactionKind.EARN)
        ).all()
    assert before > 0
    # the company switches to 1 point per gram; the trip is assessed again under it
    grams = make_settings(
        db_url, tmp_path, methodology={"factor_set": "desnz-2024"}
    )  # the tests' 1-point-per-gram arithmetic
    assess_activities(uow, grams)
    post_earnings(uow, grams)
    with uow:
        assert ledger.balance(uow.session, person) == before
        again = uow.session.scalars(
            sa.select(LedgerTransaction.id).where(LedgerTransaction.kind == TransactionKind.EARN)
        ).all()
        assert again == earned
        credited = credited_for(uow.session, ids[0])
        assert credited is not None and credited.points == before
