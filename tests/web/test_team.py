"""The team page: department totals, the leaderboard of those who joined, small groups hidden."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask.testing import FlaskClient

from corp_carbon.db.models import Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ActivityStatus
from corp_carbon.services.my_data.team import team_view
from tests.my_data_fixture import add_trip
from tests.support import csrf_token

#: [privacy] min_group_size of the test settings (the default).
K = 5


def _team(
    uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile], size: int, opted: int
) -> list[int]:
    """``size`` people in Sales, the first ``opted`` of them on the leaderboard."""
    ids = [
        create_employee(email=f"s{i}@example.com", name=f"Seller {i}", department="Sales").id
        for i in range(size)
    ]
    with uow:
        for employee_id in ids[:opted]:
            uow.session.get_one(Employee, employee_id).leaderboard_opt_in = True
        uow.commit()
    return ids


def test_totals_are_the_sum_of_the_members_trips(
    uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> None:
    today = utcnow().date()
    ids = _team(uow, create_employee, K, 0)
    outsider = create_employee(email="o@example.com", name="Out Sider", department="Legal").id
    this_month = today.replace(day=1)
    earlier = date(today.year, 1, 1) if today.month > 1 else this_month
    for n, employee_id in enumerate(ids):
        add_trip(uow, employee_id, day=this_month, kg=f"{n}.5", avoided="1.25", points=100 + n)
    add_trip(uow, ids[0], day=earlier, kg="10", avoided="3", points=7)
    add_trip(uow, ids[1], day=date(today.year - 1, 12, 31), kg="99", points=99)  # last year
    add_trip(uow, ids[2], day=this_month, kg="50", status=ActivityStatus.CANCELLED)
    add_trip(uow, outsider, day=this_month, kg="77", points=77)
    view = team_view(uow, ids[0], min_group_size=K, today=today)
    assert view.people == K and view.month is not None and view.year is not None
    month_kg = sum(Decimal(f"{n}.5") for n in range(K))
    month_points = sum(100 + n for n in range(K))
    if earlier == this_month:  # January: the earlier trip is this month too
        month_kg, month_points = month_kg + 10, month_points + 7
    assert view.month.kg_co2e == month_kg
    assert view.month.points == month_points
    assert view.year.kg_co2e == sum(Decimal(f"{n}.5") for n in range(K)) + 10
    assert view.year.avoided_kg_co2e == Decimal("1.25") * K + 3
    assert view.year.points == sum(100 + n for n in range(K)) + 7
    assert view.leaderboard is None  # nobody joined


def test_a_small_department_and_a_small_leaderboard_are_not_shown(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ids = _team(uow, create_employee, K - 1, K - 1)
    add_trip(uow, ids[0], day=utcnow().date(), kg="3", points=5)
    log_in_as(client, ids[0])
    page = client.get("/team").get_data(as_text=True)
    assert f"Your department has fewer than {K} people" in page
    assert f"at least {K} people in your department have joined" in page
    assert "Seller 1" not in page and "kg CO2e" not in page
    view = team_view(uow, ids[0], min_group_size=K)
    assert view.month is None and view.leaderboard is None


def test_the_leaderboard_names_only_colleagues_who_joined(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ids = _team(uow, create_employee, K + 2, K)  # Seller 5 and Seller 6 did not join
    today = utcnow().date()
    for n, employee_id in enumerate(ids):
        add_trip(uow, employee_id, day=today, kg="1", avoided="2", points=10 * (n + 1))
    log_in_as(client, ids[-1])  # not on the leaderboard
    page = client.get("/team").get_data(as_text=True)
    assert "You are not on the leaderboard." in page and "/my-data#privacy" in page
    board = page[page.index('<table class="stack team-board">') : page.index("</table>")]
    names = re.findall(r"Seller \d", board)
    assert set(names) == {f"Seller {n}" for n in range(K)}
    assert names[0] == f"Seller {K - 1}"  # most points first
    assert "Seller 5" not in page and "Seller 6" not in board
    log_in_as(client, ids[0])  # on it
    mine = client.get("/team").get_data(as_text=True)
    assert "You are not on the leaderboard." not in mine
    assert '<tr class="me">' in mine
    assert "7" in re.search(r"People</div><div class=\"value\">(\d+)", mine).group(1)  # type: ignore[union-attr]


def test_someone_without_a_department_is_told_so(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    loner = create_employee(email="l@example.com", name="Lone Ranger")
    log_in_as(client, loner.id)
    page = client.get("/team").get_data(as_text=True)
    assert "names no department for you" in page


def test_joining_the_board_shows_at_once_though_the_figures_are_reused(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ids = _team(uow, create_employee, K + 1, K)  # Seller 5 has not joined
    today = utcnow().date()
    log_in_as(client, ids[0])
    before = client.get("/team").get_data(as_text=True)
    assert "Figures counted at" in before and "Seller 5" not in before
    add_trip(uow, ids[0], day=today, kg="1", avoided="2", points=999_999)
    # a new trip waits for the next count (a few minutes): the department is counted once
    assert "999,999" not in client.get("/team").get_data(as_text=True)
    log_in_as(client, ids[-1])
    joined = client.post(
        "/my-data/leaderboard", data={"csrf_token": csrf_token(client), "leaderboard_opt_in": "on"}
    )
    assert joined.status_code == 302
    log_in_as(client, ids[0])
    after = client.get("/team").get_data(as_text=True)
    board = after[after.index('<table class="stack team-board">') : after.index("</table>")]
    assert "Seller 5" in board and "999,999" in board  # counted again after the change
