"""The employee's carbon account as a browser and a program see it: the home page, the
summary API and the portal widget, with the framing headers, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.config import Settings
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import RewardKind, Role
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.people.tokens import create_token
from corp_carbon.services.rewards.catalogue import add_reward
from corp_carbon.web.api.summary import MySummary
from corp_carbon.web.security_headers import CONTENT_POLICY
from tests.account_fixture import add_rail_trip, add_trip, score
from tests.conftest import make_settings
from tests.support import OPERATOR

API = "/api/v1/me/summary"
PORTAL = ["https://portal.example.com", "https://*.intranet.example.com"]


def _today() -> date:
    return datetime.now(UTC).date()


def _text(page: str) -> str:
    """What a person reads: the page without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def ana(create_employee: Callable[..., EmployeeProfile]) -> EmployeeProfile:
    return create_employee(email="ana@example.com", name="Ana Lima")


@pytest.fixture
def trips(uow: UnitOfWork, settings: Settings, ana: EmployeeProfile, create_employee: Callable[..., EmployeeProfile]) -> dict[str, int]:  # fmt: skip
    """Ana's bike commute and train this month, a train last year; a colleague's train."""
    first = _today().replace(day=1)
    bo = create_employee(email="bo@example.com", name="Bo Chen")
    ids = {
        "bike": add_trip(uow, ana.id, first),
        "rail": add_rail_trip(uow, ana.id, first),
        "old": add_rail_trip(uow, ana.id, date(first.year - 1, 6, 1)),
        "bo": add_rail_trip(uow, bo.id, first),
    }
    score(uow, settings)
    return ids


@pytest.fixture
def signed_in(client: FlaskClient, ana: EmployeeProfile, log_in_as: Callable[..., None]) -> FlaskClient:  # fmt: skip
    log_in_as(client, ana.id)
    return client


def _balance(uow: UnitOfWork, employee_id: int) -> int:
    with uow:
        return ledger.balance(uow.session, employee_id)


# --- the home page --------------------------------------------------------------------------


def test_home_shows_the_balance_this_month_the_year_and_recent_trips(
    signed_in: FlaskClient, uow: UnitOfWork, ana: EmployeeProfile, trips: dict[str, int]
) -> None:
    add_reward(uow, OPERATOR, name="Bike service", cost_points=50, kind=RewardKind.PERK)
    add_reward(uow, OPERATOR, name="Rail voucher", cost_points=10**9, kind=RewardKind.VOUCHER)
    page = signed_in.get("/").get_data(as_text=True)
    text = _text(page)
    balance = _balance(uow, ana.id)
    assert balance > 0
    assert f"Balance {balance:,} points" in text
    assert f"Worth about €{balance / 1000:,.2f}." in text
    assert "They stand for about" in text and "of avoided emissions" in text
    assert "Enough for Bike service now." in text
    assert "Next reward within reach: Rail voucher" in text
    assert f"{10**9 - balance:,} points to go." in text
    assert "This month" in text and "Carbon footprint" in text and "Avoided emissions" in text
    assert f"This year · {_today().year}" in text
    # the chart, named for a screen reader, and its table
    assert re.search(r'<svg class="chart columns account"[^>]* role="img"', page)
    assert "Carbon footprint month by month" in page and "The same figures as a table" in text
    # recent activity: in words, each linking to its trip's page, the colleague's not there
    assert "Rail: London St Pancras → Paris Gare du Nord" in text
    assert "Bicycle: Home → Office" in text
    for key in ("bike", "rail", "old"):
        assert f'href="/trips/{trips[key]}"' in page
    assert f'href="/trips/{trips["bo"]}"' not in page
    assert 'href="/rewards"' in page
    assert "business_travel" not in text and "avoided_grams" not in text  # no codes


def test_a_new_employee_learns_what_will_appear_and_when(employee: FlaskClient) -> None:
    text = _text(employee.get("/").get_data(as_text=True))
    assert "Your carbon account starts with your first trip" in text
    assert "after its next import" in text
    assert "Balance 0 points" in text
    assert "Month by month" not in text and "Recent activity" not in text


def test_a_past_year_and_a_bad_year(signed_in: FlaskClient, trips: dict[str, int]) -> None:
    last = _today().year - 1
    page = signed_in.get(f"/?year={last}").get_data(as_text=True)
    assert f"In {last}" in _text(page)
    assert f'<option value="{last}" selected>' in page
    assert f"Month by month, {last}" in page
    bad = signed_in.get("/?year=19x6")
    assert bad.status_code == 200
    text = _text(bad.get_data(as_text=True))
    assert "Year '19x6': choose a year from 2000 to" in text
    assert f"This year · {_today().year}" in text


def test_the_home_page_prompts_to_log_today_s_commute(signed_in: FlaskClient) -> None:
    page = signed_in.get("/").get_data(as_text=True)
    assert "Did you commute today?" in page and 'href="/commute"' in page


def test_home_in_chinese_has_no_english_left(
    signed_in: FlaskClient, uow: UnitOfWork, trips: dict[str, int]
) -> None:
    add_reward(uow, OPERATOR, name="Bike service", cost_points=10**9, kind=RewardKind.PERK)
    page = signed_in.get("/?lang=zh-CN").get_data(as_text=True)
    text = _text(page)
    assert '<html lang="zh-CN">' in page
    for words in ("我的碳账户", "积分余额", "本月", "今年", "碳足迹", "减排量", "最近动态",
                  "下一个可兑换的奖励", "商务差旅", "员工通勤", "自行车：家 → 办公室"):  # fmt: skip
        assert words in text, words
    for english in ("My carbon account", "Balance", "This month", "Carbon footprint",
                    "Recent activity", "Business travel", "Commuting", "points to go",
                    "Worth about", "Month", "Home →", " kg CO2e"):  # fmt: skip
        assert english not in text, english


# --- the API --------------------------------------------------------------------------------


def test_the_summary_api_matches_the_page_and_its_schema(
    signed_in: FlaskClient, uow: UnitOfWork, ana: EmployeeProfile, trips: dict[str, int]
) -> None:
    response = signed_in.get(API)
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    MySummary.model_validate(body)
    today = _today()
    assert body["balance_points"] == _balance(uow, ana.id)
    assert body["currency"] == "EUR" and body["balance_value"] == round(
        body["balance_points"] / 1000, 2
    )
    assert body["month"]["period"] == f"{today:%Y-%m}" and body["year"]["period"] == str(today.year)
    assert [m["period"] for m in body["months"]] == [f"{today.year}-{m:02d}" for m in range(1, 13)]
    this = body["months"][today.month - 1]
    assert this == body["month"]
    assert this["trips"] == 2 and this["business"]["trips"] == 1 and this["commute"]["trips"] == 1
    assert this["points"] == this["business"]["points"] + this["commute"]["points"] > 0
    assert body["year"]["points"] == sum(m["points"] for m in body["months"])
    last = signed_in.get(f"{API}?year={today.year - 1}").get_json()
    assert last["year"]["trips"] == 1 and last["month"] == body["month"]


def test_the_summary_api_refuses_a_bad_year_naming_it(signed_in: FlaskClient) -> None:
    for year in ("abc", "1999", "99999", "2026.5", f"{_today().year + 2}"):
        response = signed_in.get(f"{API}?year={year}")
        assert response.status_code == 422, year
        error = response.get_json()["error"]
        assert error["code"] == "invalid_year" and error["message"].startswith(f"year '{year}'")
    unknown = signed_in.get(f"{API}?yaer=2026")
    assert unknown.status_code == 400 and "yaer" in unknown.get_json()["error"]["message"]


def test_the_summary_api_takes_a_token_and_refuses_strangers(
    client: FlaskClient, uow: UnitOfWork, ana: EmployeeProfile, trips: dict[str, int]
) -> None:
    assert client.get(API).status_code == 401
    raw, _ = create_token(uow, OPERATOR, employee="ana@example.com", role=Role.EMPLOYEE, name="t")
    response = client.get(API, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.get_json()["balance_points"] == _balance(uow, ana.id)
    assert "Set-Cookie" not in response.headers


def test_the_summary_is_in_the_openapi_document(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"][API]["get"]
    assert operation["operationId"] == "mySummary"
    assert set(operation["responses"]) == {"200", "400", "401", "422", "429", "503"}
    assert [p["name"] for p in operation["parameters"]] == ["year"]
    schema = document["components"]["schemas"]["MySummary"]
    assert {"balance_points", "balance_value", "month", "year", "months"} <= set(
        schema["properties"]
    )


# --- the widget and who may frame what ------------------------------------------------------


@pytest.fixture
def portal_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(make_settings(db_url, tmp_path, web={"widget_allowed_origins": PORTAL}))
    app.config["TESTING"] = True
    yield app
    app.extensions["corp_carbon"].engine.dispose()


def test_the_widget_shows_balance_month_and_latest_trip(
    signed_in: FlaskClient, uow: UnitOfWork, ana: EmployeeProfile, trips: dict[str, int]
) -> None:
    page = signed_in.get("/widget").get_data(as_text=True)
    text = _text(page)
    assert f"Balance {_balance(uow, ana.id):,} points" in text
    assert "Avoided this month" in text and "kg CO2e" in text
    assert "Latest trip:" in text
    assert '<base target="_blank">' in page  # links leave the portal's iframe for a new tab
    assert "carbon.css" not in page  # its own small stylesheet
    chinese = _text(signed_in.get("/widget?lang=zh-CN").get_data(as_text=True))
    assert "本月减排量" in chinese and "Avoided this month" not in chinese


def test_the_signed_out_widget_says_how_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/widget")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sign in to see your points" in _text(page)
    assert 'href="/login?next=/"' in page and '<base target="_blank">' in page


def test_no_page_may_be_framed_by_default(client: FlaskClient, signed_in: FlaskClient) -> None:
    for url in ("/widget", "/", "/login", API, "/static/carbon/carbon.css", "/no-such-page-x"):
        with signed_in.get(url) as response:  # a static file is streamed: closed after
            if response.status_code == 404 and url.startswith("/no-such"):
                continue  # outside the blueprint: the host application's own answer
            policy = response.headers["Content-Security-Policy"]
            assert policy == f"{CONTENT_POLICY}; frame-ancestors 'none'", url
            assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
            assert response.headers["X-Frame-Options"] == "DENY", url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            assert response.headers["Referrer-Policy"] == "same-origin", url
            assert "Strict-Transport-Security" not in response.headers  # plain http in tests


def test_https_deployments_tell_browsers_to_stay_on_https(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path, session={"cookie_secure": True})
    app = create_app(settings)
    try:
        response = app.test_client().get("/login", base_url="https://intranet.example.com")
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        app.extensions["corp_carbon"].engine.dispose()


def test_the_portal_may_frame_the_widget_and_nothing_else(
    portal_app: Flask, create_employee: Callable[..., EmployeeProfile]
) -> None:
    client = portal_app.test_client()
    widget = client.get("/widget")
    assert widget.headers["Content-Security-Policy"] == (
        f"{CONTENT_POLICY}; frame-ancestors https://portal.example.com "
        "https://*.intranet.example.com"
    )
    assert "X-Frame-Options" not in widget.headers
    for url in ("/", "/login", "/healthz", API, "/api/v1/openapi.json"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == (
            f"{CONTENT_POLICY}; frame-ancestors 'none'"
        ), url
        assert response.headers["X-Frame-Options"] == "DENY", url
