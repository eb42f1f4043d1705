"""Employee and administrator pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from corp_carbon.db.queries import activities_for, count_activities, department_totals, mode_totals
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.scoring import trails
from corp_carbon.web.access import current_employee, login_required, roles_required
from corp_carbon.web.params import page_number
from corp_carbon.web.state import carbon

PAGE_SIZE = 50


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", view_func=home, endpoint="home")
    bp.add_url_rule("/trips/<id:activity_id>", view_func=trip_detail, endpoint="trip_detail")
    bp.add_url_rule("/admin", view_func=admin_overview, endpoint="admin_overview")


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
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "carbon/pages/home.html",
        employee=employee,
        trips=trips,
        by_mode=by_mode,
        page=page,
        pages=pages,
        total=total,
    )


@login_required
def trip_detail(activity_id: int) -> str:
    """200: one of the employee's own trips with its whole calculation; 404 for anyone else's."""
    employee = current_employee()
    assert employee is not None
    with carbon().uow() as uow:
        found = activities_for(uow.session, employee.id, limit=1, activity_id=activity_id)
        found = trails.complete(uow.session, carbon().settings, found)
    if not found:
        abort(404)
    return render_template("carbon/pages/trip_detail.html", trip=found[0])


@roles_required(Role.HR, Role.SUSTAINABILITY, Role.ADMIN)
def admin_overview() -> str:
    """200: company-wide trips by mode and by department, small departments suppressed."""
    settings = carbon().settings
    with carbon().uow() as uow:
        by_mode = mode_totals(uow.session)
        departments = department_totals(uow.session, min_group_size=settings.privacy.min_group_size)
    return render_template(
        "carbon/admin/overview.html",
        by_mode=by_mode,
        departments=departments,
        min_group_size=settings.privacy.min_group_size,
    )
