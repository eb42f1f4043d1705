"""The employee's home page: their own trips, newest first, with totals by mode."""

from __future__ import annotations

from flask import Blueprint, render_template

from corp_carbon.db.queries import activities_for, count_activities, mode_totals
from corp_carbon.services.scoring import trails
from corp_carbon.web.access import current_employee, login_required
from corp_carbon.web.params import page_count, page_number
from corp_carbon.web.state import carbon

PAGE_SIZE = 50


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", view_func=home, endpoint="home")


@login_required
def home() -> str:
    """200: the employee's own trips, newest first, with totals by mode."""
    employee = current_employee()
    assert employee is not None
    page = page_number()
    with carbon().uow() as uow:
        trips = activities_for(
            uow.session, employee.id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        trips = trails.complete(uow.session, carbon().settings, trips)
        total = count_activities(uow.session, employee.id)
        by_mode = mode_totals(uow.session, employee.id)
    return render_template(
        "carbon/pages/home.html",
        employee=employee,
        trips=trips,
        by_mode=by_mode,
        page=page,
        pages=page_count(total, PAGE_SIZE),
        total=total,
    )
