"""Company SSO end to end: the real OpenID Connect provider and the app on real HTTP servers.

The provider is panva's ``oidc-provider`` (tests/idp/provider.mjs, started with node on a
free port of 127.0.0.1). Each test serves the app with werkzeug on a free port, registers a
client for exactly that app's callback (dynamic client registration), and plays the browser
with ``requests``: /login → provider's authorization endpoint → its login form (submitted)
→ the app's /auth/callback. The app exchanges the code, with the PKCE verifier, at the
provider's token endpoint and reads its JWKS and userinfo endpoint over real HTTP. Every test
that touches the database runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa

from corp_carbon import create_app
from corp_carbon.db.models import Activity, AuditEvent, Employee, EmployeeRole, PendingRecord
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import ImportTrigger
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest
from corp_carbon.services.people import employees
from corp_carbon.web.state import EXTENSION_KEY
from tests import oidc
from tests.conftest import make_settings
from tests.oidc import Idp, Site, serve
from tests.support import csrf_in

NAVAN = (
    Path(__file__).resolve().parents[1]
    / "connectors"
    / "golden"
    / "navan"
    / "navan_bookings_export.csv"
)
HR = Actor(label="hr@example.test")
#: the provider, started once per session (tests/oidc.py).
idp = oidc.idp
COOKIE = "corp_carbon_session"


@pytest.fixture
def site(idp: Idp, db_url: str, tmp_path: Path) -> Iterator[Site]:
    with serve(idp, db_url, tmp_path) as served:
        yield served


# --- the browser --------------------------------------------------------------------------------


class Browser(requests.Session):
    """A user agent with a cookie jar, that never waits forever."""

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


def start(browser: requests.Session, site: Site, path: str = "/login") -> str:
    """GET the app's /login; returns the provider authorization URL it redirects to."""
    response = browser.get(site.root + path, allow_redirects=False)
    assert response.status_code == 302, response.text
    return str(response.headers["Location"])


def through_provider(browser: requests.Session, url: str, site: Site, account: str) -> str:
    """Follows ``url`` at the provider, submitting its login (and consent) forms as
    ``account``, up to the redirect back to the app; returns that callback URL."""
    response = browser.get(url, allow_redirects=False)
    for _ in range(20):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if target.startswith(site.root + "/auth/callback"):
                return target
            response = browser.get(target, allow_redirects=False)
            continue
        assert response.status_code == 200, f"{response.status_code} {response.text[:500]}"
        action = re.search(r'action="([^"]+)"', response.text)
        prompt = re.search(r'name="prompt" value="(\w+)"', response.text)
        assert action and prompt, response.text[:500]
        data = (
            {"prompt": "login", "login": account, "password": "any"}
            if prompt.group(1) == "login"
            else {"prompt": prompt.group(1)}
        )
        response = browser.post(
            urljoin(response.url, action.group(1)), data=data, allow_redirects=False
        )
    raise AssertionError("no redirect back to the app")


def log_in(browser: requests.Session, site: Site, account: str) -> requests.Response:
    """A whole sign-in; returns the app's answer to the callback (not followed)."""
    callback = through_provider(browser, start(browser, site), site, account)
    return browser.get(callback, allow_redirects=False)


def me(browser: requests.Session, site: Site) -> requests.Response:
    return browser.get(site.root + "/api/v1/me", headers={"Accept": "application/json"})


def with_param(url: str, **params: str) -> str:
    """``url`` with query parameters replaced."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def param(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


def session_cookie(response: requests.Response) -> str:
    """The raw Set-Cookie header of the app's session cookie in ``response``."""
    headers = response.raw.headers.getlist("Set-Cookie")
    found = [h for h in headers if h.startswith(f"{COOKIE}=")]
    assert len(found) == 1, headers
    return str(found[0])


def cookie_attributes(header: str) -> dict[str, str]:
    attributes = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


def claims(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "email": "Ada.Lovelace@Example.test",
        "email_verified": True,
        "name": "Ada Lovelace",
        "employee_number": "E-1815",
        "department": "Analytics",
        "cost_centre": "CC-42",
        "office": "London",
        "groups": ["staff"],
    }
    base.update(extra)
    return base


@dataclass(frozen=True)
class Row:
    id: int
    sso_subject: str | None
    email: str
    name: str
    employee_number: str | None
    cost_centre: str | None
    roles: frozenset[str]


def employee_rows(site: Site) -> list[Row]:
    with site.uow() as uow:
        return [
            Row(
                e.id,
                e.sso_subject,
                e.email,
                e.name,
                e.employee_number,
                e.cost_centre,
                frozenset(r.role.value for r in e.roles),
            )
            for e in uow.session.scalars(sa.select(Employee).order_by(Employee.id))
        ]


def actions(site: Site) -> list[str]:
    """The audit log's sign-in and employee actions, oldest first."""
    with site.uow() as uow:
        return list(
            uow.session.scalars(
                sa.select(AuditEvent.action)
                .where(
                    sa.or_(AuditEvent.action.like("auth.%"), AuditEvent.action.like("employee.%"))
                )
                .order_by(AuditEvent.id)
            )
        )


def refused(response: requests.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    page = response.text
    assert "You could not be signed in" in page
    for word in words:
        assert word in page, page
    # nothing of the attempt stays: the session cookie is not set (or is deleted)
    for header in response.raw.headers.getlist("Set-Cookie"):
        if header.startswith(f"{COOKIE}="):
            assert header.startswith(f"{COOKIE}=;"), header


# --- tests --------------------------------------------------------------------------------------


def test_first_login_provisions_the_employee_from_the_claims(idp: Idp, site: Site) -> None:
    idp.set_account("ada", claims(groups=["staff", "carbon-hr"]))
    browser = Browser()
    assert me(browser, site).status_code == 401

    authorize = start(browser, site, "/login?next=/points")
    assert authorize.startswith(idp.issuer + "/auth?")
    assert param(authorize, "response_type") == "code"
    assert param(authorize, "code_challenge_method") == "S256"
    assert len(param(authorize, "code_challenge")) == 43
    assert param(authorize, "state") and param(authorize, "nonce")
    assert param(authorize, "redirect_uri") == site.root + "/auth/callback"
    assert set(param(authorize, "scope").split()) == {"openid", "email", "profile"}

    callback = browser.get(through_provider(browser, authorize, site, "ada"), allow_redirects=False)
    assert callback.status_code == 302
    assert callback.headers["Location"] == "/points"  # back where the visitor wanted to go
    cookie = cookie_attributes(session_cookie(callback))
    assert "httponly" in cookie and cookie["samesite"] == "Lax" and "secure" not in cookie
    expires = parsedate_to_datetime(cookie["expires"])
    assert abs((expires - datetime.now(UTC)).total_seconds() - 480 * 60) < 120  # lifetime

    profile = me(browser, site)
    assert profile.status_code == 200
    body = profile.json()
    assert body["email"] == "ada.lovelace@example.test"  # stored lower-case
    assert body["name"] == "Ada Lovelace"
    assert body["employee_number"] == "E-1815"
    assert body["department"] == "Analytics"
    assert body["office"] == "London"
    assert body["roles"] == ["employee", "hr"]
    assert body["balance"] == 0

    [row] = employee_rows(site)
    assert row.sso_subject == "ada" and row.cost_centre == "CC-42"
    assert row.roles == {"hr"}
    assert actions(site) == ["employee.provision", "employee.roles", "auth.login"]


def test_groups_grant_and_revoke_roles_at_every_login(idp: Idp, site: Site) -> None:
    idp.set_account(
        "grace",
        claims(
            email="grace@example.test",
            employee_number="E-2",
            groups=[
                "CARBON-ADMIN",
                "/carbon-sustainability",  # case and Keycloak full paths don't matter
            ],
        ),
    )
    first = Browser()
    assert log_in(first, site, "grace").status_code == 302
    assert me(first, site).json()["roles"] == ["employee", "sustainability", "admin"]

    # the IdP takes grace out of the admin group and moves her to another department
    idp.set_account(
        "grace",
        claims(
            email="grace@example.test",
            employee_number="E-2",
            department="Finance",
            groups=["carbon-sustainability"],
        ),
    )
    second = Browser()
    assert log_in(second, site, "grace").status_code == 302
    body = me(second, site).json()
    assert body["roles"] == ["employee", "sustainability"]
    assert body["department"] == "Finance"
    [row] = employee_rows(site)
    assert row.roles == {"sustainability"}

    # no groups at all: back to the employee role only
    idp.set_account("grace", claims(email="grace@example.test", employee_number="E-2", groups=[]))
    third = Browser()
    assert log_in(third, site, "grace").status_code == 302
    assert me(third, site).json()["roles"] == ["employee"]
    with site.uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(EmployeeRole)) == 0
        changes = [
            e.detail
            for e in uow.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == "employee.roles")
            )
        ]
    assert changes[1]["revoked"] == ["admin"] and changes[2]["revoked"] == ["sustainability"]


def test_an_hr_created_employee_is_linked_not_duplicated(idp: Idp, site: Site) -> None:
    hr_made = employees.add_employee(
        site.uow(), HR, email="ada.lovelace@example.test", name="A. Lovelace"
    )
    idp.set_account("ada-sub-1", claims())  # same email, in another case
    browser = Browser()
    assert log_in(browser, site, "ada-sub-1").status_code == 302
    assert me(browser, site).json()["id"] == hr_made.id
    [row] = employee_rows(site)
    assert row.sso_subject == "ada-sub-1"
    assert row.employee_number == "E-1815" and row.name == "Ada Lovelace"  # updated from IdP
    assert actions(site)[-3:] == ["employee.sso_link", "employee.sso_update", "auth.login"]


def test_a_scim_created_employee_is_linked_by_employee_number(idp: Idp, site: Site) -> None:
    existing = employees.add_employee(
        site.uow(), HR, email="old.address@example.test", name="Ada", employee_number="E-1815"
    )
    idp.set_account("ada-sub-2", claims())
    browser = Browser()
    assert log_in(browser, site, "ada-sub-2").status_code == 302
    [row] = employee_rows(site)
    assert row.id == existing.id and row.sso_subject == "ada-sub-2"
    assert row.email == "ada.lovelace@example.test"  # the IdP's current address
    with site.uow() as uow:
        link = uow.session.scalars(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "employee.sso_link")
        ).one()
    assert link == {"matched_by": "employee_number"}


def test_a_tampered_state_is_refused(idp: Idp, site: Site) -> None:
    idp.set_account("eve", claims(email="eve@example.test", employee_number=None))
    browser = Browser()
    callback = through_provider(browser, start(browser, site), site, "eve")
    forged = with_param(callback, state="forged-" + param(callback, "state"))
    refused(browser.get(forged, allow_redirects=False), 400, "state parameter does not match")
    assert me(browser, site).status_code == 401
    assert employee_rows(site) == []
    # the genuine answer cannot be used afterwards either: the attempt was cleared
    refused(browser.get(callback, allow_redirects=False), 400, "state")


def test_a_replayed_callback_is_refused(idp: Idp, site: Site) -> None:
    idp.set_account("ada", claims())
    browser = Browser()
    callback = through_provider(browser, start(browser, site), site, "ada")
    assert browser.get(callback, allow_redirects=False).status_code == 302
    # someone who captured the callback URL replays it from another browser
    intruder = Browser()
    refused(intruder.get(callback, allow_redirects=False), 400, "state")
    assert me(intruder, site).status_code == 401


def test_a_forged_callback_does_not_sign_out_someone_signed_in(idp: Idp, site: Site) -> None:
    """A page elsewhere that loads ``/auth/callback?state=x&code=y`` in an image must not
    end the session of whoever is signed in: they are sent home, still signed in."""
    idp.set_account("ada", claims())
    browser = Browser()
    assert log_in(browser, site, "ada").status_code == 302
    forged = browser.get(f"{site.root}/auth/callback?state=x&code=y", allow_redirects=False)
    assert forged.status_code == 302 and forged.headers["Location"].endswith("/")
    assert me(browser, site).status_code == 200


def test_a_tampered_nonce_is_refused(idp: Idp, site: Site) -> None:
    """The browser's authorization request is altered on its way to the provider: the
    provider puts the altered nonce into the ID token, and the app, which remembered its own
    nonce, refuses the token (state, code and PKCE verifier are all genuine)."""
    idp.set_account("ada", claims())
    browser = Browser()
    authorize = start(browser, site)
    tampered = with_param(authorize, nonce="attacker-chosen-nonce")
    callback = through_provider(browser, tampered, site, "ada")
    refused(browser.get(callback, allow_redirects=False), 400, "nonce")
    assert me(browser, site).status_code == 401
    assert employee_rows(site) == []


def test_a_replayed_nonce_is_refused(idp: Idp, site: Site) -> None:
    """An ID token minted for an earlier sign-in (its nonce) is not accepted for a new one."""
    idp.set_account("ada", claims())
    earlier = Browser()
    earlier_authorize = start(earlier, site)
    callback = through_provider(earlier, earlier_authorize, site, "ada")
    assert earlier.get(callback, allow_redirects=False).status_code == 302

    browser = Browser()
    replayed = with_param(start(browser, site), nonce=param(earlier_authorize, "nonce"))
    refused(
        browser.get(through_provider(browser, replayed, site, "ada"), allow_redirects=False),
        400,
        "nonce",
    )
    assert me(browser, site).status_code == 401


def test_an_expired_id_token_is_refused(idp: Idp, db_url: str, tmp_path: Path) -> None:
    """A genuinely expired ID token from the real provider: it issues this account's ID
    tokens with a 1-second lifetime (ttl.IdToken) and holds the token response back for
    2.5 s, so the correctly signed token has expired when the app checks it. The app runs
    with clock_skew_seconds = 0 here (the default tolerates 120 s of clock difference, which
    a test cannot wait out)."""
    idp.set_account("late", claims(email="late@example.test"), idTokenTtl=1, tokenDelayMs=2500)
    with serve(idp, db_url, tmp_path, sso={"clock_skew_seconds": 0}) as site:
        browser = Browser()
        refused(log_in(browser, site, "late"), 400, "expired")
        assert me(browser, site).status_code == 401
        assert employee_rows(site) == []


def test_a_deactivated_employee_cannot_sign_in(idp: Idp, site: Site) -> None:
    gone = employees.add_employee(
        site.uow(), HR, email="ada.lovelace@example.test", name="Ada", employee_number="E-1815"
    )
    with site.uow() as uow:
        uow.session.get_one(Employee, gone.id).active = False
        uow.commit()
    idp.set_account("ada", claims(groups=["carbon-admin"]))
    browser = Browser()
    refused(log_in(browser, site, "ada"), 403, "deactivated")
    assert me(browser, site).status_code == 401
    [row] = employee_rows(site)
    assert row.sso_subject is None and row.roles == frozenset()  # nothing changed, nothing granted
    assert actions(site)[-1] == "auth.login_refused"


def test_logout_clears_the_session_and_ends_the_provider_session(idp: Idp, site: Site) -> None:
    idp.set_account("ada", claims())
    browser = Browser()
    assert log_in(browser, site, "ada").status_code == 302
    home = browser.get(site.root + "/")
    assert home.status_code == 200

    # a state-changing request without the CSRF token is refused
    assert browser.post(site.root + "/logout", allow_redirects=False).status_code == 400
    assert me(browser, site).status_code == 200

    token = csrf_in(home.text)
    out = browser.post(site.root + "/logout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status_code == 302
    end_session = out.headers["Location"]
    assert end_session.startswith(idp.issuer + "/session/end?")
    assert param(end_session, "post_logout_redirect_uri") == site.root + "/signed-out"
    assert param(end_session, "client_id") == site.client_id
    assert param(end_session, "id_token_hint").count(".") == 2
    assert session_cookie(out).startswith(f"{COOKIE}=;")  # deleted
    assert me(browser, site).status_code == 401

    # the provider asks to confirm, then sends the browser back to the signed-out page
    confirm = browser.get(end_session)
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', confirm.text))
    action = re.search(r'action="([^"]+)"', confirm.text)
    assert action
    back = browser.post(urljoin(confirm.url, action.group(1)), data={**form, "logout": "yes"})
    assert back.url.startswith(site.root + "/signed-out")
    assert "You are signed out" in back.text
    # the provider's session ended too: signing in again asks for the login form
    again = browser.get(start(browser, site))
    assert "/interaction/" in again.url and 'name="login"' in again.text


def test_session_cookie_is_secure_when_configured(idp: Idp, db_url: str, tmp_path: Path) -> None:
    with serve(idp, db_url, tmp_path, session={"cookie_secure": True}) as site:
        response = Browser().get(site.root + "/login", allow_redirects=False)
        assert response.status_code == 302
        cookie = cookie_attributes(session_cookie(response))  # holds state, nonce, verifier
        assert "secure" in cookie and "httponly" in cookie and cookie["samesite"] == "Lax"


def test_the_callback_respects_the_url_prefix(idp: Idp, db_url: str, tmp_path: Path) -> None:
    idp.set_account("ada", claims())
    with serve(idp, db_url, tmp_path, prefix="/carbon") as site:
        browser = Browser()
        authorize = start(browser, site)
        assert param(authorize, "redirect_uri") == site.root + "/auth/callback"
        assert site.root.endswith("/carbon")
        callback = browser.get(
            through_provider(browser, authorize, site, "ada"), allow_redirects=False
        )
        assert callback.headers["Location"] == "/carbon/"
        assert me(browser, site).json()["email"] == "ada.lovelace@example.test"


def test_first_login_imports_the_bookings_that_waited(idp: Idp, site: Site) -> None:
    """A booking export names a traveller not yet known; their first SSO sign-in provisions
    them and the waiting bookings are imported (replay_pending)."""
    report = run_import(
        site.uow(),
        site.state.settings,
        ImportRequest(
            connector="navan",
            path=NAVAN,
            file_name=NAVAN.name,
            trigger=ImportTrigger.CLI,
            started_by="test",
        ),
    )
    assert report.counts["waiting"] > 0
    idp.set_account(
        "marcus",
        {
            "email": "Marcus.Johnson@example.com",
            "name": "Marcus Johnson",
            "employee_number": "E1006",
        },
    )
    browser = Browser()
    assert log_in(browser, site, "marcus").status_code == 302
    marcus = me(browser, site).json()["id"]
    with site.uow() as uow:
        waiting_for = set(
            uow.session.scalars(
                sa.select(PendingRecord.employee_number).where(PendingRecord.resolved_at.is_(None))
            )
        )
        modes = set(
            uow.session.scalars(sa.select(Activity.mode).where(Activity.employee_id == marcus))
        )
    assert {m.value for m in modes} == {"air", "car", "hotel"}
    assert "E1006" not in waiting_for and waiting_for  # the others still wait


def test_without_sso_production_login_explains_it_is_not_configured(
    db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        db_url, tmp_path, app={"mode": "production"}, privacy={"pseudonym_secret": "test-pseudo"}
    )
    app = create_app(settings)
    try:
        page = app.test_client().get("/login")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Single sign-on is not configured" in text and "docs/sso.md" in text
        assert app.test_client().get("/auth/callback").status_code == 404
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()


def test_the_travel_policy_grade_follows_the_configured_claim(
    idp: Idp, db_url: str, tmp_path: Path
) -> None:
    def grade_after_login(**extra: Any) -> str | None:
        idp.set_account("lin", claims(email="lin@example.test", employee_number="E-7", **extra))
        assert log_in(Browser(), site, "lin").status_code == 302
        with site.uow() as uow:
            return uow.session.scalars(sa.select(Employee.grade)).one()

    with serve(idp, db_url, tmp_path, sso={"claims": {"grade": "travel_grade"}}) as site:
        assert grade_after_login(travel_grade="director") == "director"  # provisioned with it
        assert grade_after_login() == "director"  # a sign-in without the claim keeps it
        assert grade_after_login(travel_grade="executive") == "executive"
        assert grade_after_login(travel_grade="") is None  # sent empty: cleared
        with site.uow() as uow:
            updates = list(
                uow.session.scalars(
                    sa.select(AuditEvent.detail)
                    .where(AuditEvent.action == "employee.sso_update")
                    .order_by(AuditEvent.id)
                )
            )
        assert updates == [
            {"changed": ["grade"], "grade": {"old": "director", "new": "executive"}},
            {"changed": ["grade"], "grade": {"old": "executive", "new": None}},
        ]


def test_the_grade_claim_is_ignored_unless_configured(idp: Idp, site: Site) -> None:
    idp.set_account("noor", claims(email="noor@example.test", travel_grade="director"))
    assert log_in(Browser(), site, "noor").status_code == 302
    with site.uow() as uow:
        assert uow.session.scalars(sa.select(Employee.grade)).one() is None
