"""The rewards API and page: catalogue, redeeming with an Idempotency-Key, HR's decisions."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from corp_carbon import create_app
from corp_carbon.db.models import LedgerTransaction
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import TransactionKind
from corp_carbon.services.ledger import adjustments, statements
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.people.employees import add_employee
from corp_carbon.web.api.schemas.rewards import RedemptionOut, RewardListOut, RewardOut
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.conftest import make_settings
from tests.support import OPERATOR, csrf_token

REWARDS = "/api/v1/rewards"
REDEMPTIONS = "/api/v1/redemptions"
_n = itertools.count()


class Api:
    """A signed-in test client that sends the CSRF token a browser session needs."""

    def __init__(self, client: FlaskClient, employee_id: int) -> None:
        self.client = client
        self.employee_id = employee_id
        self.token = csrf_token(client, "/rewards")

    def get(self, path: str) -> Any:
        return self.client.get(path)

    def post(self, path: str, body: object = None, key: str | None = None) -> Any:
        headers = {"X-CSRFToken": self.token}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(path, json=body, headers=headers)

    def redeem(self, reward_id: int, key: str | None = None) -> Any:
        return self.post(REDEMPTIONS, {"reward_id": reward_id}, key or f"k-{next(_n)}")


@pytest.fixture
def sign_in(
    app: Flask,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> Callable[..., Api]:
    """Factory: a new employee (with points and roles) signed in on a client of their own."""

    def make(points: int = 0, *roles: str) -> Api:
        n = next(_n)
        profile = create_employee(email=f"e{n}@example.com", name=f"Employee {n}", roles=roles)
        if points:
            adjustments.adjust(
                uow,
                OPERATOR,
                employee=profile.email,
                points=points,
                reason="test",
                request_key=f"grant-{n}",
            )
        client = app.test_client()
        log_in_as(client, profile.id, *roles)
        return Api(client, profile.id)

    return make


@pytest.fixture
def hr(sign_in: Callable[..., Api]) -> Api:
    return sign_in(0, "hr")


def _error(response: Any, status: int, code: str | None = None) -> dict[str, str]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, dict[str, str]] = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def _add(hr: Api, **values: Any) -> dict[str, Any]:
    body = {"name": f"Reward {next(_n)}", "cost_points": 1000, **values}
    response = hr.post(REWARDS, body)
    assert response.status_code == 201, response.get_data(as_text=True)
    added: dict[str, Any] = response.get_json()
    return added


def _balance(uow: UnitOfWork, employee_id: int) -> int:
    with uow:
        return ledger.balance(uow.session, employee_id)


def _holds(uow: UnitOfWork) -> int:
    with uow:
        return int(
            uow.session.scalar(
                sa.select(sa.func.count(LedgerTransaction.id)).where(
                    LedgerTransaction.kind == TransactionKind.REDEEM
                )
            )
            or 0
        )


# --- the catalogue ---------------------------------------------------------------------------


def test_hr_adds_rewards_and_employees_list_the_active_ones(
    sign_in: Callable[..., Api], hr: Api
) -> None:
    added = _add(
        hr,
        name="Tree planting",
        cost_points=5000,
        kind="donation",
        project_name="Eden Reforestation",
        stock=100,
        per_person_limit=3,
        auto_approve=True,
        description="Ten trees in Madagascar.",
    )
    RewardOut.model_validate(added)
    assert added["kind"] == "donation" and added["stock"] == 100 and added["active"] is True
    _add(hr, name="Old voucher", active_until="2020-01-01T00:00:00Z")

    employee = sign_in(0)
    response = employee.get(REWARDS)
    assert response.status_code == 200
    listed = RewardListOut.model_validate(response.get_json()).rewards
    assert [r.name for r in listed] == ["Tree planting"]
    assert listed[0].project_name == "Eden Reforestation"


def test_adding_rewards_is_for_hr_and_names_bad_fields(
    sign_in: Callable[..., Api], hr: Api
) -> None:
    employee = sign_in(0)
    _error(employee.post(REWARDS, {"name": "Mine", "cost_points": 1}), 403)
    for body, field in [
        ({"cost_points": 10}, "name"),
        ({"name": "A", "cost_points": 0}, "cost_points"),
        ({"name": "A", "cost_points": "10"}, "cost_points"),
        ({"name": "A", "cost_points": 10, "stock": -1}, "stock"),
        ({"name": "A", "cost_points": 10, "kind": "cash"}, "kind"),
        ({"name": "A", "cost_points": 10, "colour": "green"}, "colour"),
        ({"name": "A", "cost_points": 10, "kind": "donation"}, "project_name"),
    ]:
        error = _error(hr.post(REWARDS, body), 400)
        assert error["message"].startswith(f"{field}:"), (body, error)
    _error(hr.post(REWARDS, [1, 2]), 400)


def test_signed_out_callers_get_a_json_401(client: FlaskClient) -> None:
    _error(client.get(REWARDS), 401)
    _error(client.get(f"{REDEMPTIONS}/1"), 401)


# --- redeeming -------------------------------------------------------------------------------


def test_redeem_201_then_the_same_key_200_with_the_same_body(
    sign_in: Callable[..., Api], hr: Api, uow: UnitOfWork
) -> None:
    employee = sign_in(5000)
    reward = _add(hr, cost_points=1200, stock=2)

    first = employee.redeem(reward["id"], key="3f1c7a52-9a7e-4b0e-8d7e-0c5b0f3f6a11")
    again = employee.redeem(reward["id"], key="3f1c7a52-9a7e-4b0e-8d7e-0c5b0f3f6a11")

    assert first.status_code == 201, first.get_data(as_text=True)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    body = RedemptionOut.model_validate(first.get_json())
    assert body.status.value == "requested" and body.cost_points == 1200
    assert first.headers["Location"].endswith(f"{REDEMPTIONS}/{body.id}")
    assert _balance(uow, employee.employee_id) == 3800
    assert _holds(uow) == 1
    with uow:
        lines = statements.statement(uow.session, employee.employee_id)
    assert [(line.amount, line.running_balance) for line in lines] == [(5000, 5000), (-1200, 3800)]


def test_the_idempotency_key_header_is_required(sign_in: Callable[..., Api], hr: Api) -> None:
    employee = sign_in(5000)
    reward = _add(hr)
    error = _error(employee.post(REDEMPTIONS, {"reward_id": reward["id"]}), 400)
    assert "Idempotency-Key" in error["message"]
    _error(employee.post(REDEMPTIONS, {"reward": reward["id"]}, key="k1"), 400)


def test_refusals_are_409s_with_codes_and_404_for_an_unknown_reward(
    sign_in: Callable[..., Api], hr: Api, uow: UnitOfWork
) -> None:
    poor = sign_in(500)
    rich = sign_in(10_000)
    reward = _add(hr, cost_points=1000, stock=1)
    limited = _add(hr, cost_points=100, per_person_limit=1, limit_period="month")

    error = _error(poor.redeem(reward["id"]), 409, "insufficient_balance")
    assert "500" in error["message"]
    assert rich.redeem(reward["id"]).status_code == 201
    _error(rich.redeem(reward["id"]), 409, "out_of_stock")
    assert rich.redeem(limited["id"]).status_code == 201
    _error(rich.redeem(limited["id"]), 409, "limit_reached")
    _error(rich.redeem(999_999), 404, "not_found")
    assert _balance(uow, poor.employee_id) == 500
    assert _balance(uow, rich.employee_id) == 8900


def test_someone_elses_redemption_is_404_and_hr_sees_all(
    sign_in: Callable[..., Api], hr: Api
) -> None:
    owner = sign_in(5000)
    other = sign_in(5000)
    reward = _add(hr)
    made = owner.redeem(reward["id"]).get_json()
    path = f"{REDEMPTIONS}/{made['id']}"

    assert owner.get(path).get_json() == made
    _error(other.get(path), 404, "not_found")
    assert hr.get(path).status_code == 200
    _error(other.post(f"{path}/cancel"), 404)
    _error(other.redeem(reward["id"], key=made["request_key"]), 409, "idempotency_key_reused")


# --- HR's decisions --------------------------------------------------------------------------


def test_reject_refunds_and_puts_the_stock_back(
    sign_in: Callable[..., Api], hr: Api, uow: UnitOfWork
) -> None:
    employee = sign_in(3000)
    reward = _add(hr, cost_points=2000, stock=1)
    made = employee.redeem(reward["id"]).get_json()
    path = f"{REDEMPTIONS}/{made['id']}"
    _error(employee.post(f"{path}/reject", {"reason": "mine"}), 403)
    _error(hr.post(f"{path}/reject", {}), 400)

    response = hr.post(f"{path}/reject", {"reason": "Supplier out of business"})

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "rejected" and body["note"] == "Supplier out of business"
    assert body["refund_transaction_id"] is not None
    assert _balance(uow, employee.employee_id) == 3000
    listed = RewardListOut.model_validate(employee.get(REWARDS).get_json()).rewards
    assert [r.stock for r in listed if r.id == reward["id"]] == [1]
    error = _error(hr.post(f"{path}/fulfil", {"voucher_code": "X"}), 409, "invalid_transition")
    assert "rejected" in error["message"] and "fulfilled" in error["message"]


def test_approve_then_fulfil_with_a_voucher(
    sign_in: Callable[..., Api], hr: Api, uow: UnitOfWork
) -> None:
    employee = sign_in(3000)
    reward = _add(hr, cost_points=1000)
    made = employee.redeem(reward["id"]).get_json()
    path = f"{REDEMPTIONS}/{made['id']}"
    _error(employee.post(f"{path}/approve"), 403)
    _error(hr.post(f"{path}/fulfil", {"voucher_code": "EARLY"}), 409, "invalid_transition")

    assert hr.post(f"{path}/approve").get_json()["status"] == "approved"
    _error(hr.post(f"{path}/fulfil", {}), 400)
    fulfilled = hr.post(f"{path}/fulfil", {"voucher_code": "DB-2026-XK4Q"})

    assert fulfilled.status_code == 200
    body = fulfilled.get_json()
    assert body["status"] == "fulfilled" and body["voucher_code"] == "DB-2026-XK4Q"
    assert employee.get(path).get_json()["voucher_code"] == "DB-2026-XK4Q"
    _error(employee.post(f"{path}/cancel"), 409, "invalid_transition")
    assert _balance(uow, employee.employee_id) == 2000


def test_the_owner_cancels_while_requested(
    sign_in: Callable[..., Api], hr: Api, uow: UnitOfWork
) -> None:
    employee = sign_in(3000)
    reward = _add(hr, cost_points=1000)
    made = employee.redeem(reward["id"]).get_json()
    response = employee.post(f"{REDEMPTIONS}/{made['id']}/cancel")
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert _balance(uow, employee.employee_id) == 3000


def test_auto_approval_below_the_configured_cost(
    db_url: str, tmp_path: Path, log_in_as: Callable[..., None]
) -> None:
    app = create_app(make_settings(db_url, tmp_path, rewards={"auto_approve_below_points": 500}))
    state: CarbonState = app.extensions[EXTENSION_KEY]
    try:
        hr_profile = add_employee(
            state.uow(), OPERATOR, email="h@example.com", name="H", roles=("hr",)
        )
        me = add_employee(state.uow(), OPERATOR, email="m@example.com", name="M")
        adjustments.adjust(
            state.uow(), OPERATOR, employee=me.email, points=2000, reason="t", request_key="g"
        )
        hr_client, my_client = app.test_client(), app.test_client()
        log_in_as(hr_client, hr_profile.id, "hr")
        log_in_as(my_client, me.id)
        hr_api, mine = Api(hr_client, hr_profile.id), Api(my_client, me.id)
        cheap = _add(hr_api, cost_points=499)
        dear = _add(hr_api, cost_points=500)
        assert mine.redeem(cheap["id"]).get_json()["status"] == "approved"
        assert mine.redeem(dear["id"]).get_json()["status"] == "requested"
    finally:
        state.engine.dispose()


# --- concurrency through HTTP ----------------------------------------------------------------


def test_concurrent_requests_with_one_key_redeem_once(
    db_url: str, tmp_path: Path, log_in_as: Callable[..., None]
) -> None:
    """20 browser tabs (own clients, own connections) send the same Idempotency-Key at once
    (the rate limit on redemptions, 10 a minute, is raised: this is about the key)."""
    app = create_app(
        make_settings(
            db_url, tmp_path, database={"pool_size": 30}, limits={"redemptions": "50 per minute"}
        )
    )
    state: CarbonState = app.extensions[EXTENSION_KEY]
    try:
        hr_profile = add_employee(
            state.uow(), OPERATOR, email="h@example.com", name="H", roles=("hr",)
        )
        me = add_employee(state.uow(), OPERATOR, email="m@example.com", name="M")
        adjustments.adjust(
            state.uow(), OPERATOR, employee=me.email, points=7000, reason="t", request_key="g"
        )
        hr_client = app.test_client()
        log_in_as(hr_client, hr_profile.id, "hr")
        reward = _add(Api(hr_client, hr_profile.id), cost_points=1000, stock=5)
        tabs = []
        for _ in range(20):
            client = app.test_client()
            log_in_as(client, me.id)
            tabs.append(Api(client, me.id))
        barrier = threading.Barrier(len(tabs), timeout=60)

        def send(tab: Api) -> tuple[int, int]:
            barrier.wait()
            response = tab.redeem(reward["id"], key="tab-key")
            return response.status_code, response.get_json()["id"]

        with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
            answers = list(pool.map(send, tabs))
        assert sorted(status for status, _ in answers) == [200] * 19 + [201]
        assert len({redemption for _, redemption in answers}) == 1
        assert _holds(state.uow()) == 1
        assert _balance(state.uow(), me.id) == 6000
    finally:
        state.engine.dispose()


# --- the OpenAPI document --------------------------------------------------------------------


def test_the_openapi_document_describes_the_rewards_api(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    paths = document["paths"]
    assert set(paths[REWARDS]) == {"get", "post"}
    assert set(paths[REDEMPTIONS]) == {"post"}
    for verb in ("approve", "reject", "fulfil", "cancel"):
        assert f"{REDEMPTIONS}/{{redemption_id}}/{verb}" in paths
    redeem = paths[REDEMPTIONS]["post"]
    assert {"200", "201", "400", "404", "409"} <= set(redeem["responses"])
    assert "Idempotency-Key" in redeem["description"]
    header = next(p for p in redeem["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key"
    assert header["required"] is True
    assert header["schema"]["minLength"] == 1 and header["schema"]["maxLength"] == 150
    body = redeem["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/RedemptionRequest"}
    reject = paths[f"{REDEMPTIONS}/{{redemption_id}}/reject"]["post"]
    assert reject["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Rejection"
    )
    schemas = document["components"]["schemas"]
    for name in ("Reward", "RewardList", "Redemption", "NewReward", "RedemptionRequest"):
        assert name in schemas
