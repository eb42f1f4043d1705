"""The company overview: a period's emissions, avoided emissions, points and data quality.

Sustainability officers and administrators see every section; HR sees the points programme
only (no emissions figure). Every figure is an aggregate: groups of fewer than
``[privacy] min_group_size`` people are merged into one "Other" row, and nothing names a
person, so a look here is not audit-logged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template, request

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.periods import PRESET_LABELS, PRESETS, Period, chosen_period, preset
from corp_carbon.domain.reporting import Dimension
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.reports.programme import points_position, programme_figures
from corp_carbon.services.reports.quality import data_quality
from corp_carbon.services.reports.summary import period_summary
from corp_carbon.web.access import current_employee, roles_required
from corp_carbon.web.admin import overview_view as view
from corp_carbon.web.charts import Bar, bar_chart, column_chart
from corp_carbon.web.state import carbon

#: the breakdowns of the emissions section, in page order.
BREAKDOWNS = (
    Dimension.MONTH,
    Dimension.MODE,
    Dimension.HAUL_CABIN,
    Dimension.DEPARTMENT,
    Dimension.OFFICE,
)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin", view_func=admin_overview, endpoint="admin_overview")


@roles_required(Role.HR, Role.SUSTAINABILITY, Role.ADMIN)
def admin_overview() -> tuple[str, int]:
    """200: the period's figures (``from``/``to`` days, or ``period`` a preset; this year by
    default); 400: a bad period, named on the page above the form."""
    employee = current_employee()
    assert employee is not None  # roles_required let a signed-in employee through
    sees_emissions = employee.has_any_role(Role.SUSTAINABILITY, Role.ADMIN)
    today = datetime.now(UTC).date()
    context: dict[str, Any] = {
        "sees_emissions": sees_emissions,
        "presets": [(name, PRESET_LABELS[name], preset(name, today)) for name in PRESETS],
        "form": {key: request.args.get(key, "") for key in ("from", "to")},
        "error": None,
        "error_field": None,
        "fmt": view,
        "bar_chart": bar_chart,
        "column_chart": column_chart,
        "Bar": Bar,
        "min_group_size": carbon().settings.privacy.min_group_size,
    }
    try:
        period = chosen_period(
            request.args.get("from"), request.args.get("to"), request.args.get("period"), today
        )
    except DomainError as exc:
        context["error"] = exc.message
        context["error_field"] = exc.message.split(" ", 1)[0].rstrip(":")
        return render_template("carbon/admin/overview.html", **context), 400
    context.update(_figures(period, sees_emissions))
    if not context["form"]["from"]:
        context["form"] = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    return render_template("carbon/admin/overview.html", **context), 200


def _figures(period: Period, sees_emissions: bool) -> dict[str, Any]:
    state = carbon()
    settings = state.settings
    first, last = period.first, period.last
    found: dict[str, Any] = {"period": period}
    if not sees_emissions:
        found["position"] = points_position(state.report_uow(), settings, first, last)
        return found
    k = settings.privacy.min_group_size
    summaries = {
        d: period_summary(state.report_uow(), first, last, [d], min_group_size=k)
        for d in BREAKDOWNS
    }
    try:
        programme = programme_figures(state.report_uow(), settings, first, last)
    except DomainError as exc:  # the avoided figures cannot be computed; the rest can
        found.update(programme=None, avoided_problem=exc.message)
        found["position"] = points_position(state.report_uow(), settings, first, last)
    else:
        found.update(programme=programme, position=programme.position)
    found.update(
        summary=summaries[Dimension.MONTH],
        breakdowns=[view.breakdown(summaries[d], period) for d in BREAKDOWNS],
        quality=data_quality(state.report_uow(), first, last),
    )
    return found
