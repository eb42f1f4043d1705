"""Rate limits: what an outside probe repeated (300 bad tokens in 2.3 s, 50 redemptions by one
person in 1 s) is cut off with 429 and Retry-After, per client address or per person, while
everyone else goes on; on SQLite and PostgreSQL (redemptions touch the ledger)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from corp_carbon import create_app
from corp_carbon.config import ConfigError, load_settings
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.people.tokens import create_token
from corp_carbon.services.rewards import catalogue
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.conftest import make_settings
from tests.support import OPERATOR, csrf_token

_n = itertools.count()
LIMITS = {
    "sign_in": "5 per minute",
    "token_failures": "4 per minute",
    "redemptions": "3 per minute",
    "uploads": "2 per hour",
}


@pytest.fixture
def limited(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app with small limits and the development login on."""
    app = create_app(make_settings(db_url, tmp_path, limits=LIMITS, dev_login={"enabled": True}))
    app.config["TESTING"] = True
    yield app
    app.extensions[EXTENSION_KEY].engine.dispose()


def _state(app: Flask) -> CarbonState:
    state: CarbonState = app.extensions[EXTENSION_KEY]
    return state


def _refused(response: Any) -> str:
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    assert int(response.headers["Retry-After"]) > 0
    return str(response.get_data(as_text=True))


def test_sign_in_attempts_are_limited_per_client_address(limited: Flask) -> None:
    client = limited.test_client()
    for _ in range(5):
        assert client.get("/login").status_code != 429
    page = _refused(client.get("/login"))
    assert "Too many sign-in attempts from your address" in page
    assert "<h1>Too many requests in a short time</h1>" in page  # not a bare "Error"
    chinese = _refused(client.get("/login", headers={"Accept-Language": "zh-CN"}))
    assert "登录尝试过多" in chinese and "<h1>短时间内请求过多</h1>" in chinese
    other = limited.test_client()  # another office, another address
    assert other.get("/login", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code != 429


def test_the_development_login_counts_its_posts_not_its_page(
    limited: Flask, create_employee: Callable[..., EmployeeProfile]
) -> None:
    ada = create_employee(email="ada@example.com", name="Ada")
    client = limited.test_client()
    for _ in range(8):
        assert client.get("/dev-login").status_code == 200
    form = {"employee_id": str(ada.id), "role": "employee"}
    for _ in range(5):
        token = csrf_token(client, "/dev-login")
        assert client.post("/dev-login", data={**form, "csrf_token": token}).status_code == 302
    token = csrf_token(client, "/dev-login")
    _refused(client.post("/dev-login", data={**form, "csrf_token": token}))


def test_guessing_tokens_is_cut_off_for_that_address_only(
    limited: Flask, create_employee: Callable[..., EmployeeProfile]
) -> None:
    create_employee(email="ada@example.com", name="Ada", roles=("admin",))
    raw, _ = create_token(_state(limited).uow(), OPERATOR, employee="ada@example.com",
                          role=Role.ADMIN, name="sync")  # fmt: skip
    client = limited.test_client()
    for n in range(4):
        guess = client.get("/api/v1/me", headers={"Authorization": f"Bearer guess-{n}"})
        assert guess.status_code == 401
    cut = client.get("/api/v1/me", headers={"Authorization": "Bearer guess-5"})
    body = _refused(cut)
    assert "Too many refused API tokens" in cut.get_json()["error"]["message"], body
    # even the right token waits, from that address: a guesser cannot tell a hit
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 429
    elsewhere = {"REMOTE_ADDR": "10.9.9.9"}
    right = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"},
                       environ_base=elsewhere)  # fmt: skip
    assert right.status_code == 200
    # SCIM's bearer failures count too, and SCIM answers in its own format
    scim_address = {"REMOTE_ADDR": "10.7.7.7"}
    for n in range(4):
        scim = client.get("/scim/v2/Users", headers={"Authorization": f"Bearer s{n}"},
                          environ_base=scim_address)  # fmt: skip
        assert scim.status_code == 401
    scim = client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {raw}"},
                      environ_base=scim_address)  # fmt: skip
    assert scim.status_code == 429 and int(scim.headers["Retry-After"]) > 0
    assert scim.mimetype == "application/scim+json"
    assert scim.get_json()["status"] == "429"
    assert "Too many refused API tokens" in scim.get_json()["detail"]


def test_signed_in_pages_never_count_as_token_failures(
    limited: Flask, create_employee: Callable[..., EmployeeProfile], log_in_as: Any
) -> None:
    """Only a refused bearer token counts: a signed-out page or API call is not a guess."""
    client = limited.test_client()
    for _ in range(10):
        assert client.get("/api/v1/me").status_code == 401  # no bearer header: no count
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer x"}).status_code == 401


def test_one_person_redeeming_fast_is_held_back_and_nothing_is_lost(
    limited: Flask,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    state = _state(limited)
    me = create_employee(email="me@example.com", name="Me")
    you = create_employee(email="you@example.com", name="You")
    for person in (me, you):
        adjustments.adjust(state.uow(), OPERATOR, employee=person.email, points=10_000,
                           reason="grant", request_key=f"g-{person.id}")  # fmt: skip
    reward = catalogue.add_reward(state.uow(), Actor(label="hr"), name="Tea", kind="perk",
                                  cost_points=100)  # fmt: skip
    answers = []
    client = limited.test_client()
    log_in_as(client, me.id)
    token = csrf_token(client, "/rewards")
    for n in range(5):
        answers.append(client.post("/api/v1/redemptions", json={"reward_id": reward.id},
                                   headers={"X-CSRFToken": token, "Idempotency-Key": f"r{n}"}))  # fmt: skip
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert "Too many redemptions" in answers[3].get_json()["error"]["message"]
    with state.uow() as uow:
        assert ledger.balance(uow.session, me.id) == 10_000 - 3 * 100  # exactly what was taken
    other = limited.test_client()
    log_in_as(other, you.id)
    token = csrf_token(other, "/rewards")
    mine = other.post("/api/v1/redemptions", json={"reward_id": reward.id},
                      headers={"X-CSRFToken": token, "Idempotency-Key": "y1"})  # fmt: skip
    assert mine.status_code == 201


def test_uploads_are_limited_per_token(
    limited: Flask, create_employee: Callable[..., EmployeeProfile]
) -> None:
    create_employee(email="olga@example.com", name="Olga", roles=("sustainability",))
    state = _state(limited)
    headers = []
    for name in ("a", "b"):
        raw, _ = create_token(state.uow(), OPERATOR, employee="olga@example.com",
                              role=Role.SUSTAINABILITY, name=name, scopes=("import",))  # fmt: skip
        headers.append({"Authorization": f"Bearer {raw}"})
    client = limited.test_client()
    form = {"connector": "navan"}  # no file: 422, but the upload was tried
    statuses = [client.post("/api/v1/imports", data=form, headers=headers[0]).status_code
                for _ in range(3)]  # fmt: skip
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    assert client.post("/api/v1/imports", data=form, headers=headers[1]).status_code != 429


def test_limits_can_be_turned_off(db_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(db_url, tmp_path, limits={**LIMITS, "enabled": False},
                                   dev_login={"enabled": True}))  # fmt: skip
    try:
        client = app.test_client()
        assert 429 not in {client.get("/login").status_code for _ in range(8)}
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()


def test_a_rate_that_does_not_parse_stops_the_service_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "carbon.toml"
    config.write_text('[limits]\nredemptions = "ten a minute"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    assert "[limits] redemptions" in str(refused.value)
    assert "'ten a minute' is not a rate" in str(refused.value)


def test_behind_a_proxy_the_forwarded_address_counts(db_url: str, tmp_path: Path) -> None:
    limits = {**LIMITS, "forwarded_for_proxies": 1}
    app = create_app(make_settings(db_url, tmp_path, limits=limits, dev_login={"enabled": True}))
    try:
        client = app.test_client()
        for _ in range(5):
            client.get("/login", headers={"X-Forwarded-For": "198.51.100.7"})
        assert client.get("/login", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429
        assert client.get("/login", headers={"X-Forwarded-For": "198.51.100.8"}).status_code != 429
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()
