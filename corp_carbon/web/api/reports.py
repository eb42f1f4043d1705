"""JSON API: the ESG summary of a period for sustainability officers, admins and BI tools.

Aggregates only: no row names an employee, and groups with fewer than ``[privacy]
min_group_size`` employees are merged so none can be read or recovered from the total.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from corp_carbon.domain.dates import parse_day
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.reporting import Dimension, other_label, parse_dimensions
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.reports.summary import period_summary
from corp_carbon.web import params
from corp_carbon.web.access import roles_required
from corp_carbon.web.api.openapi import API_PREFIX, Error, Operation, Parameter, Reply, api_route
from corp_carbon.web.api.schemas.reports import ReportFigures, ReportRow, ReportSummary
from corp_carbon.web.state import carbon

REPORT_ROLES = (Role.SUSTAINABILITY, Role.ADMIN)


def register(bp: Blueprint) -> None:
    api_route(bp, REPORT_SUMMARY, api_report_summary, endpoint="api_report_summary")


@roles_required(*REPORT_ROLES)
def api_report_summary() -> Response:
    """200: the period's rows and totals; 400 naming a bad or missing parameter."""
    params.reject_unknown([p.name for p in REPORT_SUMMARY.parameters])
    date_from = parse_day("from", request.args.get("from"))
    date_to = parse_day("to", request.args.get("to"))
    if date_from is None or date_to is None:
        raise DomainError(f"{'from' if date_from is None else 'to'}: required (YYYY-MM-DD)")
    try:
        dimensions = parse_dimensions(request.args.get("group_by", ""))
    except ValueError as problem:
        raise DomainError(f"group_by: {problem}") from None
    state = carbon()
    k = state.settings.privacy.min_group_size
    summary = period_summary(state.report_uow(), date_from, date_to, dimensions, min_group_size=k)
    names = [d.value for d in dimensions]
    body = ReportSummary.model_validate(
        {
            "from": date_from,
            "to": date_to,
            "group_by": names,
            "min_group_size": k,
            "rows": [
                ReportRow(
                    key=dict(zip(names, row.key, strict=True)),
                    other=row.other,
                    employees=row.employees,
                    figures=ReportFigures.of(row.figures),
                )
                for row in summary.rows
            ],
            "business_travel": ReportFigures.of(summary.business_travel),
            "commuting": ReportFigures.of(summary.commuting),
            "total": ReportFigures.of(summary.total),
        }
    )
    response = jsonify(body.model_dump(mode="json", by_alias=True))
    response.headers["Cache-Control"] = "no-store"
    return response


_DIMENSIONS = ", ".join(f"`{d.value}`" for d in Dimension)

REPORT_SUMMARY = Operation(
    method="get",
    path=f"{API_PREFIX}/reports/summary",
    operation_id="reportSummary",
    summary="Emissions, avoided emissions and points of a period, grouped (sustainability)",
    description=(
        "Confirmed activities travelled in [from, to] under their current assessment, grouped "
        f"by the `group_by` dimensions ({_DIMENSIONS}; none: one row). Department and office "
        "are those at the time of travel. Groups with fewer employees than the configured "
        f"minimum are merged into one row labelled like `{other_label(5)}`. Sustainability "
        "officers and administrators (a session, or an API token with either role)."
    ),
    parameters=(
        Parameter(
            "from",
            "First day of the period (YYYY-MM-DD).",
            {"type": "string", "format": "date"},
            required=True,
            example="2026-01-01",
        ),
        Parameter(
            "to",
            "Last day of the period (YYYY-MM-DD), on or after `from`.",
            {"type": "string", "format": "date"},
            required=True,
            example="2026-12-31",
        ),
        Parameter(
            "group_by",
            f"Comma-separated dimensions, in row-key order: {_DIMENSIONS}.",
            {"type": "string", "maxLength": 200},
            example="month,mode,department",
        ),
    ),
    responses=(
        Reply(200, "The period's rows and totals.", ReportSummary),
        Reply(400, "A bad or missing parameter; the message names it.", Error),
        Reply(401, "No session and no valid API token.", Error),
        Reply(403, "Signed in without the sustainability or admin role.", Error),
    ),
    tags=("reports",),
)
