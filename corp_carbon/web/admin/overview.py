"""The company overview: a period's emissions, avoided emissions, points and data quality.

Sustainability officers and administrators see every section; HR sees the points programme
only (no emissions figure). Every figure is an aggregate: groups of fewer than
``[privacy] min_group_size`` people are merged into one "Other" row, and nothing names a
person, so a look here is not audit-logged.

The figures are computed ahead and stored (``services.reports.overview_snapshots``): the
page reads them and says when they were computed. A small period without current figures
is computed while the page waits; a large one in a background thread of this process (the
scheduler picks up any a restart cut short), and the page says so.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.overview import BREAKDOWNS, OverviewFigures
from corp_carbon.domain.periods import PRESET_LABELS, PRESETS, Period, chosen_period, preset
from corp_carbon.domain.reporting import Dimension
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.reports.overview_snapshots import (
    OverviewRead,
    read_overview,
    run_computation,
)
from corp_carbon.web.access import current_employee, roles_required
from corp_carbon.web.admin import overview_view as view
from corp_carbon.web.charts import Bar, bar_chart, column_chart
from corp_carbon.web.state import CarbonState, carbon

WORKERS_KEY = "corp_carbon.overview_workers"
#: the preset shown when the form names no period.
DEFAULT_PRESET = "this-year"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin", view_func=admin_overview, endpoint="admin_overview")


@roles_required(Role.HR, Role.SUSTAINABILITY, Role.ADMIN)
def admin_overview() -> tuple[str, int]:
    """200: the period's figures (``from``/``to`` days, or ``period`` a preset; this year by
    default), as last computed, or a note that they are being computed; 400: a bad period,
    named on the page above the form."""
    employee = current_employee()
    assert employee is not None  # roles_required let a signed-in employee through
    sees_emissions = employee.has_any_role(Role.SUSTAINABILITY, Role.ADMIN)
    today = datetime.now(UTC).date()
    state = carbon()
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
        "min_group_size": state.settings.privacy.min_group_size,
        "refresh_minutes": state.settings.reports.overview_refresh_minutes,
        "inline_limit": state.settings.reports.overview_inline_limit,
    }
    try:
        period = chosen_period(
            request.args.get("from"), request.args.get("to"), request.args.get("period"), today
        )
    except DomainError as exc:
        context["error"] = exc.message
        context["error_field"] = exc.message.split(" ", 1)[0].rstrip(":")
        return render_template("carbon/admin/overview.html", **context), 400
    found = read_overview(state.uow, state.report_uow, state.settings, period, _preset_asked())
    if found.queued_now:
        _workers(current_app).submit(_compute, state, period)
    context.update(_shown(found, period, sees_emissions))
    if not context["form"]["from"]:
        context["form"] = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    return render_template("carbon/admin/overview.html", **context), 200


def _preset_asked() -> str | None:
    """The preset the page shows (None for a from/to period): a preset's figures of an
    earlier day can stand in while today's are computed."""
    if request.args.get("from") or request.args.get("to"):
        return None
    return (request.args.get("period") or "").strip() or DEFAULT_PRESET


def _shown(found: OverviewRead, asked: Period, sees_emissions: bool) -> dict[str, Any]:
    """The template's figures: the stored ones (HR's part alone for HR), when and how
    current they are, and any computation under way."""
    shown: dict[str, Any] = {
        "asked": asked,
        "period": asked,
        "ready": found.snapshot is not None,
        "computing_since": found.computing_since,
        "computing_error": found.error,
        "staleness": found.staleness.value if found.staleness else None,
        "as_of": found.snapshot.computed_at if found.snapshot else None,
    }
    if found.snapshot is None:
        return shown
    figures = found.snapshot.figures
    shown.update(period=figures.period, position=figures.position)
    if sees_emissions:
        shown.update(_emissions(figures))
    return shown


def _emissions(figures: OverviewFigures) -> dict[str, Any]:
    return {
        "programme": figures.programme,
        "avoided_problem": figures.avoided_problem,
        "summary": figures.summary(Dimension.MONTH),
        "breakdowns": [view.breakdown(figures.summary(d), figures.period) for d in BREAKDOWNS],
        "quality": figures.quality,
    }


def _workers(app: Flask) -> ThreadPoolExecutor:
    """One computation at a time per process: it reads the whole period, and the pages must
    stay quick meanwhile."""
    pool = app.extensions.get(WORKERS_KEY)
    if pool is None:
        pool = app.extensions[WORKERS_KEY] = ThreadPoolExecutor(1, "corp-carbon-overview")
    return pool


def _compute(state: CarbonState, period: Period) -> None:
    run_computation(state.uow, state.report_uow, state.settings, period)
