"""The rewards page: a confirmation step before any redemption or cancellation, the status of
each redemption with its dates, donations named once, refusals in words."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from corp_carbon import create_app
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.rewards import redemptions
from corp_carbon.web.state import EXTENSION_KEY
from tests.conftest import make_settings
from tests.support import OPERATOR, csrf_token
from tests.web.test_api_rewards import Api, _add, _balance, _holds, hr, sign_in

__all__ = ["hr", "sign_in"]  # the fixtures this module shares with the API's tests


def _form(page: str) -> dict[str, str]:
    """The hidden fields of the confirmation page's form."""
    form = page.split('<form class="confirm-actions"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def test_the_catalogue_leads_to_a_confirmation_with_the_figures(
    sign_in: Callable[..., Api], hr: Api
) -> None:
    employee = sign_in(1500)
    reward = _add(hr, name="Bike service", cost_points=1000, stock=3, per_person_limit=2)
    page = _text(employee.get("/rewards"))
    assert f'href="/rewards/{reward["id"]}/confirm"' in page
    assert 'action="/rewards/redeem"' not in page  # no one-click redeeming from the list

    confirm = _text(employee.get(f"/rewards/{reward['id']}/confirm"))
    assert "Redeem Bike service?" in confirm
    assert re.search(r'id="cost">1,000 ', confirm)
    assert re.search(r'id="balance">1,500 ', confirm)
    assert re.search(r'id="balance-after">500 ', confirm)
    assert "HR approves this reward before it is handed over" in confirm
    assert "3 left in stock." in confirm
    assert "Limit: 2 per year; you have used 0." in confirm
    assert ">Back</a>" in confirm and "Redeem for 1,000 points" in confirm
    fields = _form(confirm)
    assert fields["confirmed"] == "yes" and fields["reward_id"] == str(reward["id"])
    assert fields["csrf_token"] and fields["request_key"]


def test_a_flagged_reward_or_one_below_the_threshold_needs_no_approval(
    db_url: str,
    tmp_path: Path,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    settings = make_settings(db_url, tmp_path, rewards={"auto_approve_below_points": 500})
    app: Flask = create_app(settings)
    app.config["TESTING"] = True
    try:
        uow: UnitOfWork = app.extensions[EXTENSION_KEY].uow()
        hr_profile = create_employee(email="hr@example.com", name="HR", roles=("hr",))
        me = create_employee(email="me@example.com", name="Me")
        adjustments.adjust(
            uow, OPERATOR, employee=me.email, points=2000, reason="test", request_key="g"
        )
        hr_client = app.test_client()
        log_in_as(hr_client, hr_profile.id, "hr")
        hr = Api(hr_client, hr_profile.id)
        cheap = _add(hr, name="Coffee", cost_points=400)
        dear = _add(hr, name="Lamp", cost_points=600)
        flagged = _add(hr, name="Tree", cost_points=900, auto_approve=True)
        client = app.test_client()
        log_in_as(client, me.id)
        for reward, needs in ((cheap, False), (dear, True), (flagged, False)):
            page = _text(client.get(f"/rewards/{reward['id']}/confirm"))
            assert ("HR approves this reward" in page) is needs, reward["name"]
            assert ("No approval is needed" in page) is not needs
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()


def test_redeeming_works_only_through_the_confirmation_and_once_per_form(
    sign_in: Callable[..., Api], hr: Api, uow: UnitOfWork
) -> None:
    employee = sign_in(1500)
    reward = _add(hr, name="Bike service", cost_points=1000)
    bare = {"csrf_token": employee.token, "reward_id": reward["id"], "request_key": "k-1"}
    refused = employee.client.post("/rewards/redeem", data=bare)
    assert refused.status_code == 302
    assert refused.headers["Location"] == f"/rewards/{reward['id']}/confirm"
    assert _holds(uow) == 0 and _balance(uow, employee.employee_id) == 1500
    shown = _text(employee.get(refused.headers["Location"]))
    assert "Please check what it costs and confirm before you redeem." in shown

    fields = _form(shown)
    first = employee.client.post("/rewards/redeem", data=fields)
    assert first.status_code == 302
    again = _text(employee.client.post("/rewards/redeem", data=fields, follow_redirects=True))
    assert "You already redeemed" in again  # a double click: one redemption
    assert _holds(uow) == 1 and _balance(uow, employee.employee_id) == 500
    assert "Bike service" in again and "Awaiting approval" in again


def test_refusals_are_words_not_codes(
    sign_in: Callable[..., Api], hr: Api, uow: UnitOfWork
) -> None:
    employee = sign_in(1500)
    dear = _add(hr, name="E-bike lease", cost_points=20_000)
    gone = _add(hr, name="Sold out voucher", cost_points=10, stock=0)
    page = _text(employee.get("/rewards"))
    assert "You need 18,500 more points" in page
    assert "Out of stock" in page
    assert f'href="/rewards/{dear["id"]}/confirm"' not in page
    confirm = _text(employee.get(f"/rewards/{dear['id']}/confirm"))
    assert "You cannot redeem it now.</strong> You need 18,500 more points" in confirm
    assert 'name="confirmed"' not in confirm and ">Back</a>" in confirm
    chinese = _text(employee.get(f"/rewards/{dear['id']}/confirm?lang=zh-CN"))
    assert "还需要 18,500 碳积分" in chinese and "You need" not in chinese

    # a form that was confirmed while it could still be redeemed: refused in words
    cheap = _add(hr, name="Tea", cost_points=1000, stock=1)
    fields = _form(_text(employee.get(f"/rewards/{cheap['id']}/confirm?lang=en")))
    other = sign_in(1500)
    other.client.post(
        "/rewards/redeem", data=_form(_text(other.get(f"/rewards/{cheap['id']}/confirm")))
    )
    late = _text(employee.client.post("/rewards/redeem", data=fields, follow_redirects=True))
    assert "Not redeemed: Out of stock" in late
    assert "out_of_stock" not in late and "409" not in late
    assert employee.get(f"/rewards/{gone['id'] + 1000}/confirm").status_code == 404


def test_statuses_with_dates_and_cancelling_with_a_confirmation(
    sign_in: Callable[..., Api], hr: Api, uow: UnitOfWork
) -> None:
    employee = sign_in(5000)
    waiting = employee.redeem(_add(hr, name="Lamp", cost_points=1000)["id"]).get_json()
    handed = employee.redeem(_add(hr, name="Voucher", cost_points=1000)["id"]).get_json()
    rejected = employee.redeem(_add(hr, name="Kit", cost_points=1000)["id"]).get_json()
    redemptions.approve(uow, OPERATOR, handed["id"])
    redemptions.fulfil(uow, OPERATOR, handed["id"], voucher_code="RAIL-42")
    redemptions.reject(uow, OPERATOR, rejected["id"], reason="out of season")

    page = _text(employee.get("/rewards"))
    row = page.split(f'id="redemption-{handed["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "Handed over" in row and "RAIL-42" in row
    assert re.search(r"Requested <time[^>]*>.*Approved <time.*Handed over <time", row, re.S)
    row = page.split(f'id="redemption-{rejected["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "Rejected <time" in row and "s reason: out of season" in row
    row = page.split(f'id="redemption-{waiting["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "Awaiting approval" in row
    cancel_url = f"/rewards/redemptions/{waiting['id']}/cancel"
    assert f'href="{cancel_url}"' in row

    bare = employee.client.post(cancel_url, data={"csrf_token": employee.token})
    assert bare.headers["Location"] == cancel_url  # no cancelling without the confirmation
    assert _balance(uow, employee.employee_id) == 3000  # 5,000 less three, one refunded
    confirm = _text(employee.get(cancel_url))
    assert "The 1,000 points held for it come back to your balance at once." in confirm
    done = employee.client.post(
        cancel_url, data={"csrf_token": employee.token, "confirmed": "yes"}, follow_redirects=True
    )
    text = _text(done)
    assert "points are back" in text and "Cancelled <time" in text
    assert _balance(uow, employee.employee_id) == 4000
    again = _text(employee.get(cancel_url))
    assert "Only a request that awaits approval can be cancelled." in again
    assert employee.get(f"/rewards/redemptions/{handed['id'] + 1000}/cancel").status_code == 404


def test_a_donation_names_its_project_once(sign_in: Callable[..., Api], hr: Api) -> None:
    employee = sign_in(100)
    _add(hr, name="Forest fund", kind="donation", project_name="Borneo peat forest", cost_points=5)
    same = _add(
        hr, name="Mangroves, Kenya", kind="donation", project_name="Mangroves, Kenya", cost_points=5
    )
    page = _text(employee.get("/rewards"))
    assert page.count("Borneo peat forest") == 1
    assert "Donation to Borneo peat forest" in page
    row = page.split(f'id="reward-{same["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert row.count(">Mangroves, Kenya<") == 1 and ">Donation<" in row


def test_the_pages_need_a_csrf_token_and_a_sign_in(
    sign_in: Callable[..., Api], hr: Api, client: Any
) -> None:
    employee = sign_in(1500)
    reward = _add(hr, cost_points=1000)
    data = {"reward_id": reward["id"], "request_key": "k", "confirmed": "yes"}
    assert employee.client.post("/rewards/redeem", data=data).status_code == 400
    assert client.get(f"/rewards/{reward['id']}/confirm").status_code == 302
    assert csrf_token(employee.client, "/rewards")
