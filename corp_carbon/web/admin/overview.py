"""The company-wide overview for HR, sustainability officers and administrators."""

from __future__ import annotations

from flask import Blueprint, render_template

from corp_carbon.db.queries import department_totals, mode_totals
from corp_carbon.domain.vocabulary import Role
from corp_carbon.web.access import roles_required
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin", view_func=admin_overview, endpoint="admin_overview")


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
