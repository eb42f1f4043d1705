"""The methodology page's "Points policy" section: the current policy in words, and the
simulator over a period, alone or beside an uploaded policy file; wrong fields named, values
kept, nothing written; only sustainability officers and administrators."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, Assessment, LedgerTransaction
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ActivityKind, Mode, Verification
from tests import simulation_fixture as fx
from tests.conftest import make_settings
from tests.support import csrf_token

PAGE = "/admin/methodology"
SIMULATE = "/admin/methodology/simulate"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        methodology={"points_rule": "avoided_grams"},
        privacy={"min_group_size": fx.MIN_GROUP_SIZE},
        rewards={"point_value": str(fx.POINT_VALUE), "point_currency": "EUR"},
    )


@pytest.fixture
def people(create_employee: Callable[..., EmployeeProfile]) -> dict[str, int]:
    return {
        "officer": create_employee(name="Olga Officer", roles=("sustainability",)).id,
        "employee": create_employee(name="Eli Employee").id,
        **{key: create_employee(name=f"Person {key}").id for key in sorted(fx.DEPARTMENTS)},
    }


@pytest.fixture
def commutes(uow: UnitOfWork, people: dict[str, int]) -> None:
    with uow:
        for c in fx.COMMUTES:
            uow.session.add(
                Activity(
                    employee_id=people[c.employee], kind=ActivityKind.COMMUTE, mode=Mode(c.mode),
                    fuel=c.fuel, distance_km=c.km, travel_date=fx.FIRST.replace(day=c.day),
                    department=fx.DEPARTMENTS[c.employee],
                    verification=Verification.SELF_REPORTED,
                )
            )  # fmt: skip
        uow.commit()


def _text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _post(client: FlaskClient, policy: bytes | None = None, name: str = "mine.toml", **fields: str):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, PAGE),
        "simulate_from": fx.FIRST.isoformat(),
        "simulate_to": fx.LAST.isoformat(),
        **fields,
    }
    if policy is not None:
        data["simulate_policy"] = (io.BytesIO(policy), name)
    return client.post(SIMULATE, data=data, content_type="multipart/form-data")


def _writes(uow: UnitOfWork) -> tuple[int, ...]:
    with uow:
        return tuple(
            uow.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (Activity, Assessment, LedgerTransaction)
        )


def test_an_employee_is_refused(
    client: FlaskClient, people: dict[str, int], log_in_as: Callable[..., None]
) -> None:
    log_in_as(client, people["employee"])
    token = csrf_token(client)
    refused = client.post(SIMULATE, data={"csrf_token": token, "simulate_from": "2026-03-01"})
    assert refused.status_code == 403


@pytest.mark.parametrize("role", ["sustainability", "admin"])
def test_the_page_says_the_points_rule_and_offers_the_simulator(
    client: FlaskClient, people: dict[str, int], log_in_as: Callable[..., None], role: str
) -> None:
    log_in_as(client, people["officer"], role)
    text = _text(client.get(PAGE).get_data(as_text=True))
    assert "Points policy" in text
    assert (
        "Points follow the rule “1 point per gram of CO₂e avoided”, without a points policy" in text
    )
    assert "at most 2 commute trips per day earn and at most 60 self-reported trips" in text
    assert "One point is worth 0.01 EUR." in text
    assert "Policy file to compare with the current one (optional, TOML)" in text


def test_the_uploaded_policy_is_shown_beside_the_current_one(
    client: FlaskClient,
    people: dict[str, int],
    log_in_as: Callable[..., None],
    uow: UnitOfWork,
    commutes: None,
) -> None:
    log_in_as(client, people["officer"], "sustainability")
    before = _writes(uow)
    shown = _post(client, fx.POLICY_TOML.encode())
    assert shown.status_code == 200
    assert _writes(uow) == before
    text = _text(shown.get_data(as_text=True))
    assert "Simulation: 01 Mar 2026 to 31 Mar 2026 (31 days)" in text
    assert "12 confirmed trips of 7 employees" in text
    assert "Current: 1 point per gram of CO₂e avoided Uploaded: Test policy: per trip" in text
    assert "Points issued 8,572 570" in text
    assert "Money value EUR 85.72 EUR 5.70" in text
    assert "Share held by the top tenth (1 person) 39.0 % 52.6 %" in text
    assert "Median points per employee 836 50" in text
    assert "Cost per tonne avoided EUR 10,000.00 EUR 664.96" in text
    assert "cycling to work 4,180 (48.8 %) 400 (70.2 %)" in text
    assert "Other (fewer than 2 people each) " in text
    assert "Engineering " in text and "Legal" not in text and "HR 1" not in text
    assert "at most 150 points per day: all behaviours together – 100 (2 trips)" in text
    assert "at most 2 commute trips per day earn 836 (1 trip) 100 (1 trip)" in text


def test_wrong_fields_are_named_and_nothing_is_simulated(
    client: FlaskClient, people: dict[str, int], log_in_as: Callable[..., None]
) -> None:
    log_in_as(client, people["officer"], "sustainability")
    bad = _post(client, b'id = "x"\n[[rates]]\nbehaviour = "flying"\n', simulate_to="31.03.2026")
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    text = _text(page)
    assert "Nothing was simulated. Please correct:" in text
    assert "To: not a date (YYYY-MM-DD)." in text
    assert "Policy file: mine.toml: rate 1: behaviour 'flying': accepted:" in text
    assert 'value="31.03.2026"' in page and 'aria-invalid="true"' in page
    backwards = _post(client, simulate_from="2026-04-01")
    assert backwards.status_code == 400
    assert "To: the last day must not be before the first day." in _text(
        backwards.get_data(as_text=True)
    )


def test_the_section_and_its_simulation_read_in_chinese(
    client: FlaskClient, people: dict[str, int], log_in_as: Callable[..., None], commutes: None
) -> None:
    log_in_as(client, people["officer"], "sustainability")
    client.get(f"{PAGE}?lang=zh-CN")  # the choice is kept in a cookie
    text = _text(_post(client, fx.POLICY_TOML.encode()).get_data(as_text=True))
    assert "碳积分政策" in text
    assert "碳积分遵循规则“每减排 1 克 CO₂e 得 1 碳积分”" in text
    assert "模拟：" in text
    assert "发放的碳积分 8,572 570" in text
    assert "前十分之一员工（1 人）所占份额 39.0 % 52.6 %" in text
    assert "每天最多 150 碳积分：" in text
