"""HR's employee directory and profiles: search, paging, who gets in, audited looks,
deactivating and reactivating with a confirmation step."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.db.models import Activity, AuditEvent, CommuteProfile, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Fuel, Mode, Verification
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.people.employees import add_employee
from corp_carbon.services.rewards import catalogue, redemptions
from corp_carbon.web.state import EXTENSION_KEY
from tests.conftest import make_settings
from tests.support import OPERATOR, csrf_in

LIST = "/admin/employees"

#: (employee number, email, name, department, office)
PEOPLE = [
    ("E1001", "zoe.mueller@example.com", "Zoë Müller", "Finance", "Berlin"),
    ("E1002", "zhang.wei@example.com", "张伟", "Engineering", "Shanghai"),
    ("E1003", "aoife.oconnor@example.com", "Aoife O'Connor", "People & Culture", "London"),
    ("E1004", "jose.alvarez@example.com", "José Álvarez-Peña", "Finance", "London"),
    ("E1005", "priya.raman@example.com", "Priya Raman", "Engineering", "London"),
]


def main_text(page: str) -> str:
    """What a person reads in the page's main part: tags dropped, entities decoded."""
    found = re.search(r"<main[^>]*>(.*)</main>", page, re.S)
    assert found, page
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def names_listed(page: str) -> list[str]:
    """The names in the directory table, in order."""
    return [
        html.unescape(name)
        for name in re.findall(r'<th scope="row" class="lead-cell"><a [^>]+>([^<]+)</a>', page)
    ]


@pytest.fixture
def people(create_employee: Callable[..., EmployeeProfile]) -> dict[str, int]:
    """The five people of ``PEOPLE``: name -> id."""
    return {
        name: create_employee(
            email=email, name=name, employee_number=number, department=dept, office=office
        ).id
        for number, email, name, dept, office in PEOPLE
    }


@pytest.fixture
def hr(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> FlaskClient:
    """The test client signed in as Hana Ruiz of HR (hr role only)."""
    hana = create_employee(email="hana.ruiz@example.com", name="Hana Ruiz", roles=("hr",))
    log_in_as(client, hana.id, "hr")
    return client


def _events(uow: UnitOfWork, action: str) -> list[AuditEvent]:
    with uow:
        found = list(
            uow.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        uow.session.expunge_all()
    return found


def _stored(uow: UnitOfWork, employee_id: int) -> Employee:
    with uow:
        found = uow.session.get(Employee, employee_id)
        assert found is not None
        uow.session.expunge(found)
    return found


# --- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "müller"}, ["Zoë Müller"]),  # name, in another case
        ({"q": "MÜLLER"}, ["Zoë Müller"]),  # non-ASCII capitals, on SQLite too
        ({"q": "张"}, ["张伟"]),
        ({"q": "o'con"}, ["Aoife O'Connor"]),
        ({"q": "ALVAREZ@EXAMPLE"}, ["José Álvarez-Peña"]),  # part of the email
        ({"q": "e1005"}, ["Priya Raman"]),  # employee number, any case
        (
            {"q": "100"},
            ["Aoife O'Connor", "José Álvarez-Peña", "Priya Raman", "Zoë Müller", "张伟"],
        ),
        ({"q": "culture"}, ["Aoife O'Connor"]),  # part of the department
        ({"q": "  zoë   müller "}, ["Zoë Müller"]),  # spaces tidied
        ({"department": "Finance"}, ["José Álvarez-Peña", "Zoë Müller"]),
        ({"department": "Finance", "q": "zoe"}, ["Zoë Müller"]),  # filter and search together
        ({"department": "People & Culture"}, ["Aoife O'Connor"]),
        ({"q": "%"}, []),  # LIKE wildcards match themselves
        ({"q": "_"}, []),
        ({"q": "nobody"}, []),
    ],
)
def test_search_by_each_field(
    hr: FlaskClient, people: dict[str, int], query: dict[str, str], expected: list[str]
) -> None:
    response = hr.get(LIST, query_string=query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert names_listed(page) == expected
    if not expected:
        assert "No employee matches this search" in main_text(page)


def test_the_department_filter_offers_every_department(
    hr: FlaskClient, people: dict[str, int]
) -> None:
    page = hr.get(LIST).get_data(as_text=True)
    options = re.findall(r'<option value="([^"]*)"', page)
    assert [html.unescape(o) for o in options[: options.index("active")]] == [
        "",
        "Engineering",
        "Finance",
        "People & Culture",
    ]
    chosen = hr.get(LIST, query_string={"department": "Finance"}).get_data(as_text=True)
    assert '<option value="Finance" selected>' in chosen


def test_deactivated_people_are_listed_only_when_asked_for(
    hr: FlaskClient, people: dict[str, int], uow: UnitOfWork
) -> None:
    with uow:
        uow.session.get(Employee, people["Priya Raman"]).active = False  # type: ignore[union-attr]
        uow.commit()
    assert "Priya Raman" not in names_listed(hr.get(LIST).get_data(as_text=True))
    gone = hr.get(LIST, query_string={"status": "deactivated"}).get_data(as_text=True)
    assert names_listed(gone) == ["Priya Raman"]
    assert "Deactivated" in main_text(gone)
    everyone = hr.get(LIST, query_string={"status": "all"}).get_data(as_text=True)
    assert len(names_listed(everyone)) == 6  # five people and Hana


def test_an_unknown_status_is_400_naming_the_field(hr: FlaskClient, people: dict[str, int]) -> None:
    response = hr.get(LIST, query_string={"status": "gone"})
    assert response.status_code == 400
    text = main_text(response.get_data(as_text=True))
    assert "status 'gone': choose active, deactivated or all" in text
    assert "Zoë Müller" not in text


# --- paging -------------------------------------------------------------------------------------


def test_pages_tell_the_truth_also_past_the_end(
    hr: FlaskClient, create_employee: Callable[..., EmployeeProfile]
) -> None:
    for i in range(1, 31):
        create_employee(email=f"p{i:02}@example.com", name=f"Person {i:02}", department="Sales")
    first = hr.get(LIST, query_string={"department": "Sales"}).get_data(as_text=True)
    assert names_listed(first) == [f"Person {i:02}" for i in range(1, 26)]
    assert "30 employees" in main_text(first)
    assert "Page 1 of 2" in main_text(first)
    assert 'href="/admin/employees?page=2&amp;department=Sales"' in first
    second = hr.get(LIST, query_string={"department": "Sales", "page": "2"}).get_data(as_text=True)
    assert names_listed(second) == [f"Person {i:02}" for i in range(26, 31)]
    assert "Page 2 of 2" in main_text(second)
    past = hr.get(LIST, query_string={"department": "Sales", "page": "7"})
    assert past.status_code == 200
    text = main_text(past.get_data(as_text=True))
    assert names_listed(past.get_data(as_text=True)) == []
    assert "30 employees" in text  # the count is the search's, not the page's
    assert "There is no page 7: the list has 2 pages." in text
    assert "Page 7 of 2" not in text
    assert 'href="/admin/employees?page=2&amp;department=Sales"' in past.get_data(as_text=True)
    one_page = hr.get(LIST, query_string={"q": "Person 01", "page": "3"}).get_data(as_text=True)
    assert "There is no page 3: the list fits on one page." in main_text(one_page)
    nothing = hr.get(LIST, query_string={"q": "nobody", "page": "3"}).get_data(as_text=True)
    assert "No employee matches this search" in main_text(nothing)
    assert "There is no page" not in main_text(nothing)


# --- who gets in --------------------------------------------------------------------------------


def _pages(employee_id: int) -> list[str]:
    return [
        LIST,
        f"{LIST}/{employee_id}",
        f"{LIST}/{employee_id}/deactivate",
        f"{LIST}/{employee_id}/reactivate",
        f"{LIST}/{employee_id}/erasure",
        f"{LIST}/erasures",
    ]


@pytest.mark.parametrize("roles", [("sustainability",), ()], ids=["sustainability", "employee"])
def test_sustainability_officers_and_employees_get_403_and_no_names(
    client: FlaskClient,
    people: dict[str, int],
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
    uow: UnitOfWork,
    roles: tuple[str, ...],
) -> None:
    someone = create_employee(email="sam@example.com", name="Sam Officer", roles=roles)
    log_in_as(client, someone.id, *roles)
    zoe = people["Zoë Müller"]
    for url in _pages(zoe):
        response = client.get(url, query_string={"q": "zoe"})
        assert response.status_code == 403, url
        assert "Müller" not in response.get_data(as_text=True)
    token = csrf_in(client.get("/").get_data(as_text=True))
    for url in (f"{LIST}/{zoe}/deactivate", f"{LIST}/{zoe}/erasure"):
        assert client.post(url, data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert _stored(uow, zoe).active is True
    assert _events(uow, "employee.view") == []
    assert "/admin/employees" not in client.get("/").get_data(as_text=True)  # no menu link
    if client.get("/admin").status_code == 200:  # sustainability: the overview, no such tab
        assert "/admin/employees" not in client.get("/admin").get_data(as_text=True)


def test_hr_and_admins_have_the_admin_section_tab(hr: FlaskClient, operator: FlaskClient) -> None:
    for who in (hr, operator):
        home = who.get("/").get_data(as_text=True)
        assert re.search(r'<a href="/admin"[^>]*>Admin</a>', home)
        admin = who.get("/admin").get_data(as_text=True)
        assert re.search(r'<a href="/admin/employees"[^>]*>Employees</a>', admin)


# --- the profile --------------------------------------------------------------------------------


@pytest.fixture
def zoe_file(people: dict[str, int], uow: UnitOfWork) -> int:
    """Zoë with a balance, three redemptions and two commute profiles; her id."""
    zoe = people["Zoë Müller"]
    adjustments.adjust(
        uow, OPERATOR, employee="zoe.mueller@example.com", points=5000, reason="w", request_key="w"
    )
    voucher = catalogue.add_reward(
        uow, OPERATOR, name="Rail voucher", kind="voucher", cost_points=1000
    )
    trees = catalogue.add_reward(
        uow,
        OPERATOR,
        name="Plant ten trees",
        kind="donation",
        project_name="Harz reforestation",
        cost_points=300,
    )
    made = [
        redemptions.request_redemption(
            uow, OPERATOR, employee_id=zoe, reward_id=reward, request_key=key
        ).redemption.id
        for reward, key in ((voucher.id, "a"), (voucher.id, "b"), (trees.id, "c"))
    ]
    redemptions.approve(uow, OPERATOR, made[0])
    redemptions.fulfil(uow, OPERATOR, made[0], voucher_code="RAIL-1")
    redemptions.reject(uow, OPERATOR, made[1], reason="budget")
    with uow:
        uow.session.add_all(
            [
                CommuteProfile(
                    employee_id=zoe, valid_from=date(2025, 3, 1), usual_mode=Mode.CAR,
                    one_way_km=Decimal("18.5"), office_days_per_week=4, car_fuel=Fuel.BEV,
                    car_occupants=2, baseline_mode=Mode.CAR, source="survey",
                ),
                CommuteProfile(
                    employee_id=zoe, valid_from=date(2026, 2, 1), usual_mode=Mode.EBIKE,
                    secondary_mode=Mode.SUBWAY, usual_mode_share_pct=70,
                    one_way_km=Decimal("12.4"), office_days_per_week=3, remote_days_per_week=2,
                    baseline_mode=Mode.CAR, source="self",
                ),
            ]
        )  # fmt: skip
        uow.commit()
    return zoe


def test_the_profile_shows_balance_redemptions_and_commute_in_words(
    hr: FlaskClient, zoe_file: int
) -> None:
    response = hr.get(f"{LIST}/{zoe_file}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = main_text(response.get_data(as_text=True))
    for expected in (
        "Zoë Müller",
        "zoe.mueller@example.com",
        "E1001",
        "Finance",
        "Berlin",
        "Roles Employee",
        "Active: can sign in",
        "Points balance 3,700",  # 5,000 less 1,000 handed over and 300 held; 1,000 refunded
        "Redemptions (3)",
        "Plant ten trees 300 Waiting for approval",
        "Rail voucher 1,000 Rejected, points refunded",
        "Rail voucher 1,000 Handed over",
        # the commute profile in force, then its history
        "Usual mode E-bike, then metro for 30% of the way",
        "One way 12.4 km",
        "Office days 3 a week, 2 at home",
        "Baseline mode Car",
        "Entered by the employee",
        "2025-03-01 Car 18.5 4 Battery electric, 2 people in the car Car Commute survey",
    ):
        assert expected in text, expected
    codes = ("self_reported", "rail_voucher", "fulfilled", "rejected", "requested", "ebike",
             "subway", "bev", "self", "premium_economy", "business_travel", "hr", "None")  # fmt: skip
    for code in codes:
        assert not re.search(rf"\b{code}\b", text), code


def test_every_opening_of_a_profile_is_audit_logged(
    hr: FlaskClient, people: dict[str, int], uow: UnitOfWork
) -> None:
    zoe = people["Zoë Müller"]
    hr.get(LIST, query_string={"q": "zoe"})
    assert _events(uow, "employee.view") == []  # the directory is no look at a person
    for _ in range(2):
        assert hr.get(f"{LIST}/{zoe}").status_code == 200
    views = _events(uow, "employee.view")
    assert len(views) == 2
    assert all(
        v.actor_label == "hana.ruiz@example.com"
        and v.target_type == "employee"
        and v.target_id == str(zoe)
        and v.detail == {"page": "profile"}
        for v in views
    )


def test_a_missing_employee_is_404(
    hr: FlaskClient, people: dict[str, int], uow: UnitOfWork
) -> None:
    response = hr.get(f"{LIST}/987654")
    assert response.status_code == 404
    assert "employee 987654 does not exist" in response.get_data(as_text=True)
    assert _events(uow, "employee.view") == []


# --- deactivating and reactivating --------------------------------------------------------------


def test_deactivate_then_reactivate_with_confirmation_and_csrf(
    app: Flask,
    hr: FlaskClient,
    zoe_file: int,
    uow: UnitOfWork,
    log_in_as: Callable[..., None],
) -> None:
    zoe_client = app.test_client()
    log_in_as(zoe_client, zoe_file)
    assert zoe_client.get("/").status_code == 200
    profile = hr.get(f"{LIST}/{zoe_file}").get_data(as_text=True)
    assert f'href="/admin/employees/{zoe_file}/deactivate"' in profile
    confirm = hr.get(f"{LIST}/{zoe_file}/deactivate").get_data(as_text=True)
    text = main_text(confirm)
    assert "Deactivate Zoë Müller?" in text
    assert "Sign-in is blocked at once." in text
    assert "The points balance is kept (3,700 points)" in text
    assert "Trips are still counted." in text
    assert _stored(uow, zoe_file).active is True  # looking at the question changes nothing
    url = f"{LIST}/{zoe_file}/deactivate"
    forged = hr.post(url)  # no CSRF token: refused, nothing changes
    assert forged.status_code == 400
    assert _stored(uow, zoe_file).active is True
    done = hr.post(url, data={"csrf_token": csrf_in(confirm)}, follow_redirects=True)
    assert done.status_code == 200 and done.request.path == f"{LIST}/{zoe_file}"
    text = main_text(done.get_data(as_text=True))
    assert "Zoë Müller is deactivated: sign-in is blocked" in text
    assert "Deactivated on " in text
    stored = _stored(uow, zoe_file)
    assert stored.active is False and stored.deactivated_at is not None
    assert [e.target_id for e in _events(uow, "employee.deactivate")] == [str(zoe_file)]
    assert zoe_client.get("/").status_code == 302  # her open session ends at the next click
    assert "Points balance 3,700" in text  # the balance is kept

    again = hr.post(url, data={"csrf_token": csrf_in(confirm)}, follow_redirects=True)
    assert "already deactivated" in main_text(again.get_data(as_text=True))
    assert len(_events(uow, "employee.deactivate")) == 1

    back = hr.get(f"{LIST}/{zoe_file}/reactivate").get_data(as_text=True)
    assert "Reactivate Zoë Müller?" in main_text(back)
    hr.post(f"{LIST}/{zoe_file}/reactivate", data={"csrf_token": csrf_in(back)})
    stored = _stored(uow, zoe_file)
    assert stored.active is True and stored.deactivated_at is None
    assert len(_events(uow, "employee.reactivate")) == 1
    log_in_as(zoe_client, zoe_file)
    assert zoe_client.get("/").status_code == 200


def test_nobody_can_deactivate_themselves(
    operator: FlaskClient, operator_profile: EmployeeProfile, uow: UnitOfWork
) -> None:
    me = operator_profile.id
    message = "You cannot deactivate your own account: ask another HR officer or administrator"
    profile = operator.get(f"{LIST}/{me}").get_data(as_text=True)
    assert message in main_text(profile)
    assert f'href="/admin/employees/{me}/deactivate"' not in profile
    confirm = operator.get(f"{LIST}/{me}/deactivate").get_data(as_text=True)
    assert message in main_text(confirm)
    assert f'action="/admin/employees/{me}/deactivate"' not in confirm
    refused = operator.post(
        f"{LIST}/{me}/deactivate", data={"csrf_token": csrf_in(profile)}, follow_redirects=True
    )
    assert message in main_text(refused.get_data(as_text=True))
    assert _stored(uow, me).active is True
    assert _events(uow, "employee.deactivate") == []


def _flight(uow: UnitOfWork, employee_id: int) -> None:
    with uow:
        uow.session.add(
            Activity(
                employee_id=employee_id, kind=ActivityKind.BUSINESS_TRAVEL, mode=Mode.AIR,
                cabin=Cabin.ECONOMY, origin="BER", destination="MAD",
                travel_date=date(2025, 4, 7), distance_km=Decimal("1870"),
                verification=Verification.SELF_REPORTED,
            )
        )  # fmt: skip
        uow.commit()


def test_hr_never_sees_where_someone_travels_by_default(
    hr: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    zoe = people["Zoë Müller"]
    _flight(uow, zoe)
    page = hr.get(f"{LIST}/{zoe}").get_data(as_text=True)
    assert "Where this person travels is not shown to HR" in page
    assert "Madrid" not in page and "MAD" not in page


def test_with_hr_sees_routes_the_profile_lists_the_latest_trips_and_records_it(
    db_url: str, tmp_path: Path, log_in_as: Callable[..., None]
) -> None:
    app = create_app(make_settings(db_url, tmp_path, privacy={"hr_sees_routes": True}))
    state = app.extensions[EXTENSION_KEY]
    try:
        hana = add_employee(state.uow(), OPERATOR, email="h@example.com", name="H", roles=("hr",))
        zoe = add_employee(state.uow(), OPERATOR, email="z@example.com", name="Zoë")
        _flight(state.uow(), zoe.id)
        client = app.test_client()
        log_in_as(client, hana.id, "hr")
        page = client.get(f"{LIST}/{zoe.id}").get_data(as_text=True)
        assert "The latest trips, newest first" in page
        assert "Madrid" in page and "Berlin" in page
        with state.uow() as uow:
            detail = uow.session.scalars(
                sa.select(AuditEvent.detail).where(AuditEvent.action == "employee.view")
            ).one()
        assert detail == {"page": "profile", "routes": True}
    finally:
        state.engine.dispose()
