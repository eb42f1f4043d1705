"""The reports page: ask for the ESG workbook (or CSV/JSON) of a period, watch it being
built in the background, and download it.

Builds run in a small thread pool of the web process, one at a time; the request row holds
the progress, so the page shows it from any worker and needs no JavaScript (it reloads
itself while the build runs).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.wrappers import Response

from corp_carbon.catalogue import catalogue_for
from corp_carbon.domain.dates import parse_day
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.reports import FORMATS, ReportOptions
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.reports import jobs as report_jobs
from corp_carbon.services.reports.jobs import Progress, build_file
from corp_carbon.services.reports.summary import report_departments
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import CarbonState, carbon

REPORT_ROLES = (Role.SUSTAINABILITY, Role.ADMIN)
WORKERS_KEY = "corp_carbon.report_workers"
#: seconds between reloads of a report's page while it is being built.
RELOAD_SECONDS = 2


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/reports", view_func=reports_page, endpoint="admin_reports")
    bp.add_url_rule(
        "/admin/reports", view_func=ask_for_report, endpoint="admin_report_create", methods=["POST"]
    )
    bp.add_url_rule("/admin/reports/<id:report_id>", view_func=report_page, endpoint="admin_report")
    bp.add_url_rule(
        "/admin/reports/<id:report_id>/download",
        view_func=download_report,
        endpoint="admin_report_download",
    )


@roles_required(*REPORT_ROLES)
def reports_page() -> str:
    """200: the form and the recent reports."""
    today = date.today()
    values = {"from": f"{today.year - 1}-01-01", "to": f"{today.year - 1}-12-31", "format": "xlsx"}
    return _page(values, error=None)


@roles_required(*REPORT_ROLES)
def ask_for_report() -> Response | tuple[str, int]:
    """303 to the new report's page; 400 with the form kept and the field named."""
    form = request.form
    values = {key: form.get(key, "") for key in ("from", "to", "department", "format")}
    try:
        options = ReportOptions(
            _day("from", form.get("from")),
            _day("to", form.get("to")),
            _factor_sets(form.getlist("factor_set")),
            form.get("department") or None,
            form.get("format") or "xlsx",
        )
    except DomainError as problem:
        return _page(values, error=problem.message, chosen=form.getlist("factor_set")), 400
    state = carbon()
    view = report_jobs.request_report(state.uow(), current_actor(), options)
    _workers(current_app).submit(_build, state, view.id)
    return redirect(url_for("carbon.admin_report", report_id=view.id), code=303)


@roles_required(*REPORT_ROLES)
def report_page(report_id: int) -> str:
    """200: the report's progress (reloading itself while it runs), then its download link."""
    view = report_jobs.get_report(carbon().uow(), report_id)
    return render_template(
        "carbon/admin/report.html", report=view, reload_seconds=RELOAD_SECONDS,
        my_id=current_actor().employee_id, set_names=_set_names(),
    )  # fmt: skip


@roles_required(*REPORT_ROLES)
def download_report(report_id: int) -> Response:
    """200: the file, as an attachment; 404 when it is not built (or no longer kept)."""
    state = carbon()
    path, view = report_jobs.open_download(state.uow(), state.settings, current_actor(), report_id)
    assert view.file_name is not None
    return send_file(path, as_attachment=True, download_name=view.file_name, max_age=0)


def _page(values: dict[str, str], *, error: str | None, chosen: list[str] | None = None) -> str:
    state = carbon()
    sets = catalogue_for(state.settings).factor_sets
    return render_template(
        "carbon/admin/reports.html",
        values=values,
        error=error,
        factor_sets=sorted(sets.values(), key=lambda s: (s.publisher, -s.year, s.id)),
        set_names=_set_names(),
        chosen=set(chosen or ()),
        departments=report_departments(state.report_uow()),
        formats=FORMATS,
        reports=report_jobs.recent_reports(state.uow()),
        my_id=current_actor().employee_id,
    )


def _set_names() -> dict[str, str]:
    """Each published set by its publisher's short name and year ("DESNZ 2025"), the way
    sustainability officers speak of them; the id only for a set no longer published."""
    names = {}
    for fs in catalogue_for(carbon().settings).factor_sets.values():
        short = re.search(r"\(([A-Z]{2,})\)", fs.publisher)
        names[fs.id] = f"{short.group(1) if short else fs.publisher} {fs.year}"
    return names


def _day(field: str, raw: str | None) -> date:
    day = parse_day(field, raw or None)
    if day is None:
        raise DomainError(gettext("%(field)s: required (a date such as 2026-01-31)", field=field))
    return day


def _factor_sets(chosen: list[str]) -> tuple[str, ...]:
    known = catalogue_for(carbon().settings).factor_sets
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise DomainError(gettext("factor set %(id)s: not a published set", id=repr(unknown[0])))
    return tuple(chosen)


def _workers(app: Flask) -> ThreadPoolExecutor:
    """One build at a time per process: a report reads the whole period, and the pages
    must stay quick meanwhile."""
    pool = app.extensions.get(WORKERS_KEY)
    if pool is None:
        pool = app.extensions[WORKERS_KEY] = ThreadPoolExecutor(1, "corp-carbon-report")
    return pool


def _build(state: CarbonState, report_id: int) -> None:
    def build(options: ReportOptions, path: Path, progress: Progress) -> None:
        build_file(state.report_uow(), state.settings, options, path, progress)

    report_jobs.build_report(state.uow, state.settings, report_id, build)
