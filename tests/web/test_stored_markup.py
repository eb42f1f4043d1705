"""No stored markup runs (issue 15): names, departments, offices, reward names and
descriptions, voucher notes, adjustment reasons, erasure reasons and token names full of
script payloads are stored through the services, then every page a person can open is
fetched as the employee they describe and as an administrator holding every role. The
payloads show as text (escaped) and never as markup; the audit log's CSV export keeps a
formula as text. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.people import erasures
from corp_carbon.services.people.tokens import create_token
from corp_carbon.services.rewards.catalogue import add_reward
from corp_carbon.services.rewards.redemptions import approve, fulfil, request_redemption
from corp_carbon.web.state import CarbonState
from tests.support import OPERATOR

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(2)>'
SVG = "<svg onload=alert(3)>"
FORMULA = '=HYPERLINK("https://evil.example","x")'
#: what must never reach a page as markup (each payload's opening, unescaped).
RAW = ("<script>alert", "<img src=x", "<svg onload")


@pytest.fixture
def stored(state: CarbonState, create_employee: Callable[..., EmployeeProfile]) -> dict[str, Any]:
    uow, settings = state.uow(), state.settings
    admin = create_employee(
        email="ada@example.com", name="Ada Admin", roles=("admin", "hr", "sustainability")
    )
    victim = create_employee(
        email="zoe@example.com", name=f"Zoë {SCRIPT}", department=f"Ops{IMAGE}",
        office=f"Berlin {SVG}", employee_number="E1001",
    )  # fmt: skip
    hr = Actor(label=admin.email, employee_id=admin.id)
    adjustments.adjust(uow, hr, employee=victim.email, points=5000,
                       reason=f"thanks {SCRIPT} {FORMULA}", request_key="x1")  # fmt: skip
    reward = add_reward(uow, OPERATOR, name=f"Tea {IMAGE}", cost_points=100,
                        description=f"{SVG} {SCRIPT}")  # fmt: skip
    held = request_redemption(uow, hr, employee_id=victim.id, reward_id=reward.id,
                              request_key="r1")  # fmt: skip
    approve(uow, hr, held.redemption.id)
    fulfil(uow, hr, held.redemption.id, note=f"at the desk {SCRIPT}")
    create_token(uow, OPERATOR, employee=victim.email, role=Role.EMPLOYEE, name=f"laptop {SVG}")
    erasures.request_erasure(uow, settings, hr, victim.id, reason=f"asked {IMAGE}")
    return {"admin": admin, "victim": victim, "reward": reward.id,
            "redemption": held.redemption.id}  # fmt: skip


def _pages(app: Flask, ids: dict[str, int]) -> list[str]:
    """Every GET page of corp-carbon, with the stored records' ids in its arguments."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or not rule.endpoint.startswith("carbon."):
            continue
        if rule.rule.startswith(("/api/", "/scim/", "/static/")) or "<path:" in rule.rule:
            continue
        if any(name not in ids for name in rule.arguments):
            continue
        arguments: dict[str, Any] = {name: ids[name] for name in rule.arguments}
        try:
            with app.test_request_context():
                urls.append(url_for(rule.endpoint, **arguments))
        except Exception:  # noqa: S112 (an <any(...)> rule without its word)
            continue
    return sorted(set(urls))


def _unescaped(page: str) -> list[str]:
    return [raw for raw in RAW if raw in page]


def html_pages(client: FlaskClient, pages: list[str], who: str) -> Iterator[tuple[str, int, str]]:
    """Each HTML page of ``pages`` in English and Chinese as (url, status, page), after
    checking that no payload is markup on it and that ``who`` is still signed in."""
    for url in pages:
        for language in ("en", "zh-CN"):
            answer = client.get(url, query_string={"lang": language})
            signed_out = answer.headers.get("Location", "").startswith("/login")
            assert not signed_out, f"{who} lost their session before {url}"
            if answer.mimetype != "text/html":
                continue
            page = answer.get_data(as_text=True)
            assert _unescaped(page) == [], f"{who} {url} {language} ({answer.status_code})"
            yield url, answer.status_code, page


def test_no_stored_payload_reaches_any_page_as_markup(
    app: Flask, stored: dict[str, Any], log_in_as: Callable[..., None]
) -> None:
    ids = {
        "employee_id": stored["victim"].id,
        "reward_id": stored["reward"],
        "redemption_id": stored["redemption"],
    }
    pages = _pages(app, ids)
    assert len(pages) > 20
    seen_escaped = 0
    for who, roles in (("victim", ()), ("admin", ("admin", "hr", "sustainability"))):
        client: FlaskClient = app.test_client()
        log_in_as(client, stored[who].id, *roles)
        for _, _, page in html_pages(client, pages, who):
            seen_escaped += "&lt;script&gt;alert" in page or "&lt;svg onload" in page
    assert seen_escaped > 10  # the payloads were on the pages, as text


def test_the_audit_export_keeps_a_formula_as_text(
    app: Flask, stored: dict[str, Any], log_in_as: Callable[..., None]
) -> None:
    client = app.test_client()
    log_in_as(client, stored["admin"].id, "admin")
    export = client.get("/admin/audit/export.csv").get_data(as_text=True)
    assert "HYPERLINK" in export
    assert not re.search(r'(^|,)"?=HYPERLINK', export, re.MULTILINE)
