"""Four eyes on large adjustments (issue 15): the probe's HR token credited its own account
300,000 points. Now an adjustment above ``[ledger] second_person_above`` (10,000) waits; a
second HR administrator, neither the one who asked nor the employee credited, approves it
(posting it) or rejects it (posting nothing). Through the API and the CLI, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon.cli.points import points
from corp_carbon.db.models import AdjustmentRequest, AuditEvent
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.services.ledger import postings as ledger
from tests.support import csrf_token

ADJUST = "/api/v1/ledger/adjustments"
REQUESTS = "/api/v1/ledger/adjustment-requests"


class Hr:
    def __init__(self, app: Flask, log_in_as: Callable[..., None], person: EmployeeProfile):
        self.client: FlaskClient = app.test_client()
        log_in_as(self.client, person.id, "hr")
        self.token = csrf_token(self.client, "/points")

    def post(self, path: str, body: object, key: str | None = None) -> Any:
        headers = {"X-CSRFToken": self.token}
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(path, json=body, headers=headers)


@pytest.fixture
def people(
    app: Flask, create_employee: Callable[..., EmployeeProfile], log_in_as: Callable[..., None]
) -> dict[str, Any]:
    ana = create_employee(email="ana@example.com", name="Ana", roles=("hr",))
    ben = create_employee(email="ben@example.com", name="Ben", roles=("hr",))
    zoe = create_employee(email="zoe@example.com", name="Zoe")
    return {
        "ana": Hr(app, log_in_as, ana),
        "ben": Hr(app, log_in_as, ben),
        "ben_profile": ben,
        "zoe": zoe,
    }


def _balance(uow: UnitOfWork, employee_id: int) -> int:
    with uow:
        return ledger.balance(uow.session, employee_id)


def _actions(uow: UnitOfWork) -> list[tuple[str, str]]:
    with uow:
        rows = uow.session.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_label)
            .where(AuditEvent.action.like("ledger.%"))
            .order_by(AuditEvent.id)
        ).all()
    return [(action, label) for action, label in rows]


def test_a_large_credit_waits_and_a_second_person_posts_it(
    uow: UnitOfWork, people: dict[str, Any]
) -> None:
    ana, ben, zoe = people["ana"], people["ben"], people["zoe"]
    body = {"employee": "zoe@example.com", "points": 300_000, "reason": "volunteering"}
    asked = ana.post(ADJUST, body, key="big-1")
    assert asked.status_code == 202, asked.get_data(as_text=True)
    waiting = asked.get_json()
    assert waiting["status"] == "awaiting" and waiting["transaction_id"] is None
    assert waiting["requested_by"] == "ana@example.com"
    assert _balance(uow, zoe.id) == 0  # nothing posted yet
    again = ana.post(ADJUST, body, key="big-1")  # a retry: the same request, not a second
    assert again.status_code == 202 and again.get_json()["id"] == waiting["id"]
    listed = ana.client.get(REQUESTS).get_json()["requests"]
    assert [r["id"] for r in listed] == [waiting["id"]]

    own = ana.post(f"{REQUESTS}/{waiting['id']}/approve", {})
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "second_person"
    assert _balance(uow, zoe.id) == 0

    approved = ben.post(f"{REQUESTS}/{waiting['id']}/approve", {"note": "checked the list"})
    assert approved.status_code == 200, approved.get_data(as_text=True)
    decided = approved.get_json()
    assert decided["status"] == "approved" and decided["decided_by"] == "ben@example.com"
    assert decided["transaction_id"] is not None
    assert _balance(uow, zoe.id) == 300_000
    twice = ben.post(f"{REQUESTS}/{waiting['id']}/approve", {})
    assert twice.status_code == 409
    assert _balance(uow, zoe.id) == 300_000
    assert ben.client.get(REQUESTS).get_json()["requests"] == []
    assert _actions(uow) == [
        ("ledger.adjust_requested", "ana@example.com"),
        ("ledger.view_adjustment_requests", "ana@example.com"),  # the list names people
        ("ledger.adjust", "ben@example.com"),
        ("ledger.view_adjustment_requests", "ben@example.com"),
    ]


def test_a_rejection_needs_a_reason_and_posts_nothing(
    uow: UnitOfWork, people: dict[str, Any]
) -> None:
    ana, ben, zoe = people["ana"], people["ben"], people["zoe"]
    body = {"employee": "zoe@example.com", "points": 50_000, "reason": "bonus"}
    waiting = ana.post(ADJUST, body).get_json()
    bare = ben.post(f"{REQUESTS}/{waiting['id']}/reject", {})
    assert bare.status_code == 400 and "say why" in bare.get_json()["error"]["message"]
    rejected = ben.post(f"{REQUESTS}/{waiting['id']}/reject", {"note": "not agreed"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert _balance(uow, zoe.id) == 0
    with uow:
        stored = uow.session.scalars(sa.select(AdjustmentRequest)).one()
        assert (stored.decision_note, stored.transaction_id) == ("not agreed", None)


def test_the_employee_credited_is_never_the_second_person(
    uow: UnitOfWork, people: dict[str, Any]
) -> None:
    ana, ben = people["ana"], people["ben"]
    body = {"employee": "ben@example.com", "points": 20_000, "reason": "for Ben"}
    waiting = ana.post(ADJUST, body).get_json()
    refused = ben.post(f"{REQUESTS}/{waiting['id']}/approve", {})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "own_account"
    assert _balance(uow, people["ben_profile"].id) == 0


def test_a_small_adjustment_is_posted_at_once(uow: UnitOfWork, people: dict[str, Any]) -> None:
    body = {"employee": "zoe@example.com", "points": 10_000, "reason": "at the limit"}
    posted = people["ana"].post(ADJUST, body)
    assert posted.status_code == 201
    assert _balance(uow, people["zoe"].id) == 10_000


def test_an_employee_cannot_see_or_decide_requests(
    app: Flask, people: dict[str, Any], log_in_as: Callable[..., None]
) -> None:
    waiting = (
        people["ana"]
        .post(ADJUST, {"employee": "zoe@example.com", "points": 99_999, "reason": "x"})
        .get_json()
    )
    zoe = app.test_client()
    log_in_as(zoe, people["zoe"].id)
    token = csrf_token(zoe, "/points")
    assert zoe.get(REQUESTS).status_code == 403
    decide = zoe.post(f"{REQUESTS}/{waiting['id']}/approve", json={},
                      headers={"X-CSRFToken": token})  # fmt: skip
    assert decide.status_code == 403


def test_the_cli_holds_a_large_adjustment_for_another_operator(
    app: Flask, uow: UnitOfWork, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = app.test_cli_runner()
    monkeypatch.setenv("LOGNAME", "ana")  # getpass.getuser(): the operator's name
    asked = runner.invoke(points, ["adjust", "--employee", "zoe@example.com", "--points",
                                   "40000", "--reason", "correction"])  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert "wait for a second person" in asked.output
    assert "corp-carbon points approve 1" in asked.output
    listed = runner.invoke(points, ["waiting"])
    assert "request 1: +40,000 points for zoe@example.com" in listed.output
    same = runner.invoke(points, ["approve", "1"])
    assert same.exit_code == 1 and "not the one who asked" in same.output
    monkeypatch.setenv("LOGNAME", "ben")
    approved = runner.invoke(points, ["approve", "1"])
    assert approved.exit_code == 0, approved.output
    assert "request 1 approved" in approved.output
    assert _balance(uow, people["zoe"].id) == 40_000
