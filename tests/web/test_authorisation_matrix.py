"""The authorisation matrix: every route of the URL map × every kind of caller, with real
requests, checked against the rule the route declares.

Routes come from ``app.url_map`` at run time, so routes added later (SCIM, the SSO callback,
anything new) are walked without touching this file. What each caller should get is derived
from the view's declared ``access_rule`` (set by the decorators in ``web/access.py`` or a
module's own, e.g. SCIM's):

* ``public``: nobody is turned away for who they are (no 401, no 403);
* ``roles:a,b``: a session or an unscoped token holding one of the roles (``employee``:
  anyone signed in); for a token, its role plus employee. A token with scopes may do only
  what its scopes name, so it is refused here whatever its role (issue 15);
* ``scope:s`` (with ``roles:``): a token is judged by its scope alone, a session by its roles;
* ``token-scope:s`` / ``token-role:r``: tokens only; one holding scope ``s``, or an unscoped
  token whose role is ``r``.

Refused means 401 (or, for a page, a redirect to sign in) without credentials, 403 with
credentials that do not do. Allowed means anything else that is not a server error. A
rule of another shape fails the test: teach the matrix what it means.

Routes an employee uses on their own records are listed in ``OWNED``: another employee's
record must be indistinguishable from one that does not exist (404 for pages and the API,
the same message for a form), and the caller's own must be found. A route any employee may
call with a record id in its URL fails until it is listed there or in ``NOT_OWNED``.

HR, sustainability and administrators' looks at individuals' records must each write an
audit event (``LOOKS``); routes they use that show no individual's records are listed in
``NOT_INDIVIDUAL`` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import session as flask_session
from flask_wtf.csrf import generate_csrf
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from corp_carbon.db.models import (
    Activity,
    AuditEvent,
    Employee,
    ImportRowProblem,
    ImportRun,
    ImportSource,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.commute_log import CommuteRequest
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    Cabin,
    ImportRunStatus,
    ImportTrigger,
    Mode,
    Role,
    Verification,
)
from corp_carbon.services.commutes import entries
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger.adjustment_requests import request_adjustment
from corp_carbon.services.people.tokens import create_token, token_roles
from corp_carbon.services.rewards.catalogue import add_reward
from corp_carbon.services.rewards.redemptions import request_redemption
from corp_carbon.web.access import (
    SESSION_EMPLOYEE,
    SESSION_LOGIN_METHOD,
    SESSION_ROLES,
    SESSION_VERSION,
)
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.support import OPERATOR

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MISSING_ID = 987_654
MISSING_TEXT = "no-such-record"
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


# --- who calls --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    name: str
    #: roles of a signed-in session besides employee; None: no session.
    session_roles: tuple[Role, ...] | None = None
    #: the role of the API token the request carries; None: no token.
    token_role: Role | None = None
    token_scopes: tuple[str, ...] = ()

    @property
    def is_token(self) -> bool:
        return self.token_role is not None

    @property
    def signed_in(self) -> bool:
        return self.is_token or self.session_roles is not None

    @property
    def roles(self) -> set[str]:
        if self.token_role is not None:
            return {r.value for r in token_roles(self.token_role)}
        if self.session_roles is None:
            return set()
        return {"employee", *(r.value for r in self.session_roles)}


IDENTITIES = [
    Identity("anonymous"),
    Identity("employee", session_roles=()),
    Identity("hr", session_roles=(Role.HR,)),
    Identity("sustainability", session_roles=(Role.SUSTAINABILITY,)),
    Identity("admin", session_roles=(Role.ADMIN,)),
    Identity("token:employee", token_role=Role.EMPLOYEE),
    Identity(
        "token:employee[import,scim]", token_role=Role.EMPLOYEE, token_scopes=("import", "scim")
    ),
    Identity("token:admin", token_role=Role.ADMIN),
    Identity("token:admin[import]", token_role=Role.ADMIN, token_scopes=("import",)),
]


# --- what each route's records are --------------------------------------------------------------


@dataclass(frozen=True)
class Owned:
    """A route an employee uses on their own records."""

    #: the URL argument naming the record, and which kind of record it is.
    argument: str
    kind: str
    #: roles that may see anyone's record (HR's view of a redemption).
    see_all: frozenset[str] = frozenset()
    #: "404": refused with 404; "form": a form that goes back with a message, the same one as
    #: for a record that does not exist.
    refusal: str = "404"


OWNED: dict[str, Owned] = {
    "carbon.trip_detail": Owned("activity_id", "trip"),
    "carbon.api_redemption": Owned(
        "redemption_id", "redemption", see_all=frozenset({"hr", "admin"})
    ),
    "carbon.api_redemption_cancel": Owned("redemption_id", "redemption"),
    "carbon.rewards_cancel": Owned("redemption_id", "redemption", refusal="form"),
    "carbon.commute_delete": Owned("activity_id", "commute", refusal="form"),
    "carbon.commute_replace": Owned("activity_id", "commute", refusal="form"),
    "carbon.api_delete_commute": Owned("activity_id", "commute"),
}
#: routes any employee may call with an id in the URL that is not an employee's record.
NOT_OWNED: dict[str, str] = {
    "carbon.reward_image": "a catalogue picture, the same for every employee",
    "carbon.rewards_confirm": "a catalogue item, the same for every employee",
    # named by its content hash, not an id; the view serves only the caller's own photos
    # (tests/web/test_commute_page.py: another employee's photo answers 404)
    "carbon.commute_evidence_photo": "a photo of the caller's own, found by its content hash",
}


@dataclass(frozen=True)
class Look:
    """An HR, sustainability or admin look at individuals' records, and its audit action."""

    identity: str
    url: Callable[[Fixture], str]
    action: str | None
    why_xfail: str | None = None


@dataclass
class Fixture:
    """The database the matrix runs against: one employee acting in every role, another
    whose records they must not reach as an employee."""

    me: int
    other: int
    trips: dict[str, int]
    redemptions: dict[str, int]
    #: commute trips each logged themselves today (the commute routes reach only those)
    commutes: dict[str, int]
    run_id: int
    spare_token_id: int
    tokens: dict[str, str] = field(default_factory=dict)


LOOKS: dict[str, Look] = {
    "carbon.redemption_desk": Look("hr", lambda f: "/admin/redemptions", "redemptions.view_desk"),
    "carbon.admin_import_run": Look(
        "sustainability", lambda f: f"/admin/imports/{f.run_id}", "imports.view_run"
    ),
    "carbon.api_import_run": Look(
        "sustainability", lambda f: f"/api/v1/imports/{f.run_id}", "imports.view_run"
    ),
    "carbon.api_redemption": Look(
        "hr", lambda f: f"/api/v1/redemptions/{f.redemptions['other']}", "redemption.view"
    ),
    "carbon.admin_audit": Look("admin", lambda f: "/admin/audit", "audit.view"),
    "carbon.api_audit_log": Look("admin", lambda f: "/api/v1/audit", "audit.view"),
    "carbon.admin_audit_export": Look("admin", lambda f: "/admin/audit/export.csv", "audit.export"),
    "carbon.admin_tokens": Look("admin", lambda f: "/admin/tokens", "token.view_list"),
    "carbon.admin_employee": Look("hr", lambda f: f"/admin/employees/{f.other}", "employee.view"),
    "carbon.admin_employee_confirm": Look(
        "hr", lambda f: f"/admin/employees/{f.other}/deactivate", "employee.view"
    ),
    "carbon.admin_erasure_form": Look(
        "hr", lambda f: f"/admin/employees/{f.other}/erasure", "employee.view"
    ),
    "carbon.admin_erasures": Look(
        "hr", lambda f: "/admin/employees/erasures", "erasures.view_queue"
    ),
    "carbon.api_adjustment_requests": Look(
        "hr", lambda f: "/api/v1/ledger/adjustment-requests", "ledger.view_adjustment_requests"
    ),
    "carbon.api_adjustment_request": Look(
        "hr", lambda f: "/api/v1/ledger/adjustment-requests/1", "ledger.view_adjustment_requests"
    ),
    "carbon.admin_erasure_confirm": Look(
        "hr", lambda f: f"/admin/employees/{f.other}/erase", "employee.view"
    ),
}
NOT_INDIVIDUAL: dict[str, str] = {
    "carbon.admin_overview": "company-wide totals; departments under the minimum group hidden",
    "carbon.admin_imports": "import runs and sources: files and who started them, no trips",
    "carbon.api_report_summary": "aggregates only; groups under the minimum group merged",
    "carbon.admin_employees": "the directory: name, email, number, department, office and "
    "whether the account is on; opening a profile is the audited look",
    "carbon.admin_methodology": "the scoring policy and who changed it; no trips or people",
    "carbon.admin_reports": "the report form and the reports asked for: periods, no people",
    "carbon.admin_report": "one report's options and progress; aggregates and pseudonyms only",
    "carbon.admin_report_download": "the workbook: aggregates (small groups merged) and detail "
    "rows under pseudonymous keys; each download is audit-logged",
    "carbon.admin_rewards": "the catalogue, with counts of redemptions per reward",
    "carbon.admin_reward_new": "an empty form for a reward",
    "carbon.admin_reward_edit": "one reward's details and its count of open redemptions",
}


# --- the data -----------------------------------------------------------------------------------


def _trip(uow: UnitOfWork, employee_id: int, destination: str) -> int:
    with uow:
        activity = Activity(
            employee_id=employee_id,
            kind=ActivityKind.BUSINESS_TRAVEL,
            mode=Mode.AIR,
            cabin=Cabin.ECONOMY,
            origin="BER",
            destination=destination,
            travel_date=date(2025, 4, 7),
            distance_km=Decimal("930.5"),
            verification=Verification.SELF_REPORTED,
        )
        uow.session.add(activity)
        uow.session.flush()
        activity_id = activity.id
        uow.commit()
    return activity_id


def _commute(state: CarbonState, employee_id: int) -> int:
    """A bike commute the employee logged today (id of its trip there)."""
    wanted = CommuteRequest((entries.today(),), Mode.BIKE, Decimal("4"), 1)
    logged = entries.log_commutes(
        state.uow(), state.settings, OPERATOR, employee_id=employee_id, request=wanted,
        request_key=f"matrix-{employee_id}", today=entries.today(),
    )  # fmt: skip
    return logged.trips[0].id


def _import_run(uow: UnitOfWork) -> int:
    with uow:
        source = ImportSource(name="navan", connector="navan")
        uow.session.add(source)
        uow.session.flush()
        run = ImportRun(
            source_id=source.id,
            connector="navan",
            file_name="navan.csv",
            file_size=120,
            file_sha256="0" * 64,
            trigger=ImportTrigger.UPLOAD,
            started_by="test",
            status=ImportRunStatus.COMPLETED_WITH_ERRORS,
            rows_read=2,
            imported=1,
            rejected=1,
        )
        uow.session.add(run)
        uow.session.flush()
        uow.session.add(
            ImportRowProblem(
                run_id=run.id,
                row_number=3,
                field="traveler_email",
                reason="no such employee",
                value="ben@example.com",
            )
        )
        run_id = run.id
        uow.commit()
    return run_id


@pytest.fixture
def data(
    uow: UnitOfWork, state: CarbonState, create_employee: Callable[..., EmployeeProfile]
) -> Fixture:
    me = create_employee(
        email="ana@example.com",
        name="Ana Lima",
        employee_number="E1",
        roles=("hr", "sustainability", "admin"),
    )
    other = create_employee(email="ben@example.com", name="Ben Other", employee_number="E2")
    for who in (me, other):
        adjustments.adjust(
            uow, OPERATOR, employee=who.email, points=5000, reason="welcome", request_key=who.email
        )
    reward = add_reward(uow, OPERATOR, name="Rail voucher", cost_points=500)
    redemptions = {
        key: request_redemption(
            uow, OPERATOR, employee_id=who.id, reward_id=reward.id, request_key=f"r-{key}"
        ).redemption.id
        for key, who in (("own", me), ("other", other))
    }
    _, spare = create_token(uow, OPERATOR, employee="E2", role=Role.EMPLOYEE, name="spare")
    request_adjustment(uow, state.settings, OPERATOR, employee=other.email, points=50_000,
                       reason="waits for a second person", request_key="matrix")  # fmt: skip
    fixture = Fixture(
        me=me.id,
        other=other.id,
        trips={"own": _trip(uow, me.id, "MAD"), "other": _trip(uow, other.id, "LIS")},
        redemptions=redemptions,
        commutes={key: _commute(state, who.id) for key, who in (("own", me), ("other", other))},
        run_id=_import_run(uow),
        spare_token_id=spare.id,
    )
    for identity in IDENTITIES:
        if identity.token_role is not None:
            raw, _ = create_token(
                uow,
                OPERATOR,
                employee="ana@example.com",
                role=identity.token_role,
                name=identity.name,
                scopes=identity.token_scopes,
            )
            fixture.tokens[identity.name] = raw
    return fixture


# --- requests -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    rule: Rule
    #: "own", "other" or "missing" for a route of OWNED; None otherwise.
    ownership: str | None = None
    record_id: int | None = None


def routes(app: Flask) -> Iterator[tuple[Rule, str]]:
    """Every (rule, method) of the app but static files, each once."""
    seen: set[tuple[str, str]] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.endswith("static"):
            continue
        for method in sorted((rule.methods or set()) & set(METHODS)):
            if (rule.rule, method) not in seen:  # a module registered twice adds a rule twice
                seen.add((rule.rule, method))
                yield rule, method


def calls(rule: Rule, method: str, data: Fixture) -> list[Call]:
    """The requests that exercise one rule: each option of an ``any()`` converter; for a
    route of OWNED the caller's record, another's and one that does not exist."""
    owned = OWNED.get(rule.endpoint)
    variants: list[tuple[str, str | None, int | None]] = [("", None, None)]
    position = 0
    for match in _ARGUMENT.finditer(rule.rule):
        literal = rule.rule[position : match.start()]
        position = match.end()
        name, converter = match.group("name"), match.group("converter") or "default"
        if owned is not None and name == owned.argument:
            records = {"trip": data.trips, "commute": data.commutes}.get(
                owned.kind, data.redemptions
            )
            choices: list[tuple[str, str | None, int | None]] = [
                (str(records["own"]), "own", records["own"]),
                (str(records["other"]), "other", records["other"]),
                (str(MISSING_ID), "missing", MISSING_ID),
            ]
        elif converter == "any":
            options = [o.strip().strip("'\"") for o in (match.group("args") or "").split(",")]
            choices = [(o, None, None) for o in options if o]
        elif converter in ("int", "id"):
            choices = [(str(_id_for(name, data)), None, None)]
        else:
            choices = [(MISSING_TEXT, None, None)]
        variants = [
            (url + literal + value, own or ownership, rid or record_id)
            for url, ownership, record_id in variants
            for value, own, rid in choices
        ]
    tail = rule.rule[position:]
    return [Call(method, url + tail, rule, own, rid) for url, own, rid in variants]


def _id_for(name: str, data: Fixture) -> int:
    return {
        "activity_id": data.trips["other"],
        "redemption_id": data.redemptions["other"],
        "run_id": data.run_id,
        "token_id": data.spare_token_id,
    }.get(name, 1)


class Caller:
    """Sends requests as one identity; the session is set afresh before each (a sign-out
    clears it), with a CSRF token, so the route's own access check is what answers."""

    def __init__(self, app: Flask, identity: Identity, data: Fixture) -> None:
        self.app = app
        self.identity = identity
        self.data = data
        self.client = app.test_client()
        with app.test_request_context():
            self.csrf = generate_csrf()
            self.csrf_raw = flask_session["csrf_token"]

    def send(self, call: Call) -> TestResponse:
        with self.client.session_transaction() as session:
            session.clear()
            session["csrf_token"] = self.csrf_raw
            if self.identity.session_roles is not None:
                session[SESSION_EMPLOYEE] = self.data.me
                session[SESSION_ROLES] = sorted(self.identity.roles)
                session[SESSION_LOGIN_METHOD] = "test"
                session[SESSION_VERSION] = self._session_version()
        headers = {"X-CSRFToken": self.csrf}
        if self.identity.is_token:
            headers["Authorization"] = f"Bearer {self.data.tokens[self.identity.name]}"
        return self.client.open(call.url, method=call.method, headers=headers)

    def _session_version(self) -> int:
        """The employee's current session version: a sign-out in an earlier call raised it."""
        state: CarbonState = self.app.extensions[EXTENSION_KEY]
        with state.uow() as uow:
            version = uow.session.scalar(
                sa.select(Employee.session_version).where(Employee.id == self.data.me)
            )
        return int(version or 0)

    def flashes(self) -> list[Any]:
        with self.client.session_transaction() as session:
            return list(session.get("_flashes", []))


# --- what the declared rule promises ------------------------------------------------------------


class UnknownRule(Exception):
    pass


def allowed_by(rule: str, who: Identity) -> bool:
    """Whether the declared ``rule`` lets ``who`` in."""
    if rule == "public":
        return True
    parts: dict[str, set[str]] = {}
    for part in rule.split("|"):
        kind, _, values = part.partition(":")
        if kind not in {"roles", "scope", "token-scope", "token-role"} or not values:
            raise UnknownRule(f"{rule!r}: the matrix does not know {kind!r}; teach it")
        parts.setdefault(kind, set()).update(v.strip() for v in values.split(","))
    token_parts = {"scope", "token-scope", "token-role"} & set(parts)
    if who.is_token and token_parts:
        scopes = parts.get("scope", set()) | parts.get("token-scope", set())
        if scopes & set(who.token_scopes):
            return True
        token_role = who.token_role.value if who.token_role else ""
        return not who.token_scopes and token_role in parts.get("token-role", set())
    wanted = parts.get("roles")
    if wanted is None or not who.signed_in:
        return False
    if who.is_token and who.token_scopes:
        return False  # a scoped token does only what its scopes name
    return "employee" in wanted or bool(wanted & who.roles)


def _is_login_redirect(response: TestResponse) -> bool:
    return response.status_code in (302, 303) and response.headers.get("Location", "").startswith(
        "/login"
    )


def check(caller: Caller, call: Call) -> list[str]:
    """What is wrong with one request's answer, given the route's declared rule."""
    who = caller.identity
    view = caller.app.view_functions[call.rule.endpoint]
    rule = getattr(view, "access_rule", None)
    where = f"{who.name}: {call.method} {call.url} ({call.rule.endpoint}, {rule!r})"
    if not rule:
        return [f"{where}: no access rule declared"]
    try:
        allowed = allowed_by(rule, who)
    except UnknownRule as exc:
        return [f"{where}: {exc}"]
    response = caller.send(call)
    status = response.status_code
    got = f"got {status} {response.headers.get('Location', '')}".rstrip()
    problems = []
    if status >= 500:
        problems.append(f"{where}: server error, {got}")
    if who.is_token and "Set-Cookie" in response.headers:
        problems.append(f"{where}: a bearer-token request was given a cookie")
    if rule == "public":
        if status in (401, 403):
            problems.append(f"{where}: public, but {got}")
    elif not allowed:
        if not who.signed_in:
            api = "/api/" in call.url
            refused = status == 401 or (not api and _is_login_redirect(response))
        else:
            refused = status == 403 or (status == 401 and "roles" not in rule)
        if not refused:
            problems.append(f"{where}: should be refused, {got}")
    elif status in (401, 403) or _is_login_redirect(response):
        problems.append(f"{where}: should be let in, {got}")
    if allowed and call.ownership is not None and not problems:
        problems += _check_ownership(caller, call, response, where)
    return problems


def _check_ownership(caller: Caller, call: Call, response: TestResponse, where: str) -> list[str]:
    owned = OWNED[call.rule.endpoint]
    sees_all = bool(owned.see_all & caller.identity.roles)
    if call.ownership == "own":
        if response.status_code == 404:
            return [f"{where}: the caller's own record was not found"]
        return []
    if call.ownership != "other" or sees_all:
        return []
    other_flashes = caller.flashes()
    other = _normalised(response, call.record_id)
    if owned.refusal == "404" and response.status_code != 404:
        return [f"{where}: another employee's record answered {response.status_code}, not 404"]
    missing_call = Call(
        call.method, call.url.replace(str(call.record_id), str(MISSING_ID)), call.rule
    )
    missing_response = caller.send(missing_call)
    missing = _normalised(missing_response, MISSING_ID)
    missing_flashes = caller.flashes()
    if other != missing or _text(other_flashes, call.record_id) != _text(
        missing_flashes, MISSING_ID
    ):
        return [f"{where}: another employee's record is told apart from a missing one"]
    return []


def _normalised(response: TestResponse, record_id: int | None) -> tuple[int, str, str]:
    body = re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))
    return (
        response.status_code,
        _text(body, record_id),
        _text(response.headers.get("Location", ""), record_id),
    )


def _text(value: object, record_id: int | None) -> str:
    return re.sub(rf"\b{record_id}\b", "<id>", str(value))


def run_matrix(app: Flask, data: Fixture, identity: Identity) -> tuple[int, list[str]]:
    caller = Caller(app, identity, data)
    problems: list[str] = []
    sent = 0
    for rule, method in routes(app):
        for call in calls(rule, method, data):
            if call.ownership == "missing":
                continue  # compared with in _check_ownership
            problems += check(caller, call)
            sent += 1
    return sent, problems


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES, ids=[i.name for i in IDENTITIES])
def test_every_route_answers_as_its_rule_declares(
    app: Flask, data: Fixture, identity: Identity
) -> None:
    sent, problems = run_matrix(app, data, identity)
    assert sent > 30
    assert problems == []


def test_employee_routes_with_a_record_id_are_classified(app: Flask) -> None:
    """A route any employee may call with an id in its URL reaches someone's record: it must
    be in OWNED (and so checked for another's id answering as a missing one) or NOT_OWNED."""
    unclassified = []
    for rule, _ in routes(app):
        view = app.view_functions[rule.endpoint]
        rule_text = getattr(view, "access_rule", "") or ""
        roles = {
            r
            for part in rule_text.split("|")
            if part.startswith("roles:")
            for r in part[6:].split(",")
        }
        has_id = any(
            (m.group("converter") or "default") != "any" for m in _ARGUMENT.finditer(rule.rule)
        )
        known = rule.endpoint in OWNED or rule.endpoint in NOT_OWNED
        if "employee" in roles and has_id and not known:
            unclassified.append(rule.endpoint)
    assert unclassified == []
    for endpoint, owned in OWNED.items():
        assert endpoint in app.view_functions, endpoint
        assert f"<id:{owned.argument}>" in next(
            r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint
        )


def test_looks_at_individuals_are_classified(app: Flask) -> None:
    """Each page or API that HR, sustainability or administrators read is either a look at
    individuals' records (LOOKS, audit-logged) or shows none (NOT_INDIVIDUAL)."""
    unclassified = []
    for rule, method in routes(app):
        rule_text = getattr(app.view_functions[rule.endpoint], "access_rule", "") or ""
        roles = {
            r
            for part in rule_text.split("|")
            if part.startswith("roles:")
            for r in part[6:].split(",")
        }
        if method != "GET" or not roles or "employee" in roles:
            continue
        if rule.endpoint not in LOOKS and rule.endpoint not in NOT_INDIVIDUAL:
            unclassified.append(rule.endpoint)
    assert unclassified == []


def _look_params() -> list[Any]:
    return [
        pytest.param(
            endpoint,
            look,
            id=endpoint,
            marks=[pytest.mark.xfail(strict=True, reason=look.why_xfail)] if look.why_xfail else [],
        )
        for endpoint, look in LOOKS.items()
    ]


@pytest.mark.parametrize(("endpoint", "look"), _look_params())
def test_each_look_at_individuals_is_audit_logged(
    app: Flask, data: Fixture, uow: UnitOfWork, endpoint: str, look: Look
) -> None:
    identity = next(i for i in IDENTITIES if i.name == look.identity)
    caller = Caller(app, identity, data)

    def events() -> list[AuditEvent]:
        with uow:
            found = list(
                uow.session.scalars(
                    sa.select(AuditEvent)
                    .where(AuditEvent.actor_id == data.me)
                    .order_by(AuditEvent.id)
                )
            )
            uow.session.expunge_all()
        return found

    before = len(events())
    url = look.url(data)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    response = caller.send(Call("GET", url, rule))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    new = events()[before:]
    assert new, f"{endpoint}: {identity.name} looked at {url} and nothing was recorded"
    if look.action is not None:
        assert look.action in {e.action for e in new}
    assert all(e.actor_label == "ana@example.com" and e.ip == "127.0.0.1" for e in new)


# --- the matrix catches what it should ----------------------------------------------------------


def _rogue_app(app: Flask) -> Flask:
    """The test app with routes whose behaviour disagrees with their declared rules."""

    def leaky_hr_page() -> str:
        return "any employee gets in"

    leaky_hr_page.access_rule = "roles:hr"  # type: ignore[attr-defined]

    def anyones_trip(activity_id: int) -> str:
        return f"trip {activity_id}, whoever's it is"

    anyones_trip.access_rule = "roles:employee"  # type: ignore[attr-defined]

    def odd_rule() -> str:
        return ""

    odd_rule.access_rule = "vip-only"  # type: ignore[attr-defined]
    app.add_url_rule("/rogue/hr", "rogue_hr", leaky_hr_page)
    app.add_url_rule("/rogue/trips/<int:activity_id>", "rogue_trip", anyones_trip)
    app.add_url_rule("/rogue/odd", "rogue_odd", odd_rule)
    return app


def test_the_matrix_catches_a_route_that_lets_the_wrong_people_in(
    app: Flask, data: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    rogue = _rogue_app(app)
    monkeypatch.setitem(OWNED, "rogue_trip", Owned("activity_id", "trip"))
    employee = next(i for i in IDENTITIES if i.name == "employee")
    _, problems = run_matrix(rogue, data, employee)
    assert [p for p in problems if "rogue" in p] == [
        "employee: GET /rogue/hr (rogue_hr, 'roles:hr'): should be refused, got 200",
        "employee: GET /rogue/odd (rogue_odd, 'vip-only'): 'vip-only': the matrix does not "
        "know 'vip-only'; teach it",
        f"employee: GET /rogue/trips/{data.trips['other']} (rogue_trip, 'roles:employee'): "
        "another employee's record answered 200, not 404",
    ]
    anonymous = next(i for i in IDENTITIES if i.name == "anonymous")
    _, problems = run_matrix(rogue, data, anonymous)
    assert "anonymous: GET /rogue/hr (rogue_hr, 'roles:hr'): should be refused, got 200" in problems


def test_an_unclassified_employee_route_with_an_id_fails(app: Flask) -> None:
    rogue = _rogue_app(app)
    with pytest.raises(AssertionError, match="rogue_trip"):
        test_employee_routes_with_a_record_id_are_classified(rogue)


def test_matrix_size(app: Flask) -> None:
    """Every declared route is walked for every identity (the number is in the test id)."""
    pairs = list(routes(app))
    assert len(pairs) >= 40
    print(f"authorisation matrix: {len(pairs)} route-methods x {len(IDENTITIES)} identities")
