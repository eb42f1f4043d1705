"""JSON API: read an import run, its counts and its row problems, a page at a time.

Row problems can quote travellers' emails and employee numbers, so every look is recorded in
the audit log (the service does that); the admin page reads runs through ``run_page`` too.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.imports_view import ProblemView, RunView
from corp_carbon.services.imports import runs as import_runs
from corp_carbon.services.imports.values import Problem
from corp_carbon.web import params
from corp_carbon.web.access import current_actor, scope_or_roles_required
from corp_carbon.web.api.imports import (
    IMPORT_ROLES,
    IMPORT_SCOPE,
    NOT_ALLOWED,
    SIGNED_IN,
    TAGS,
    WHO,
)
from corp_carbon.web.api.openapi import API_PREFIX, Error, Operation, Parameter, Reply, api_route
from corp_carbon.web.api.schemas.imports import ImportRunDetail, RowProblem
from corp_carbon.web.state import carbon

#: problems per page of GET /api/v1/imports/<id>.
PROBLEMS_PAGE = 1000


def register(bp: Blueprint) -> None:
    api_route(bp, GET_RUN, api_import_run, endpoint="api_import_run")


def run_page(run_id: int, page: int, per_page: int) -> tuple[RunView, list[ProblemView]] | None:
    """The run and one page of its row problems (the look audited); None: no such run."""
    return import_runs.look_at_run(
        carbon().uow(), current_actor(), run_id, limit=per_page, offset=(page - 1) * per_page
    )


@scope_or_roles_required(IMPORT_SCOPE, *IMPORT_ROLES)
def api_import_run(run_id: int) -> Response:
    """200: the run with a page of its row problems; 404: no such run."""
    params.reject_unknown([p.name for p in GET_RUN.parameters])
    page = params.api_page_number()
    found = run_page(run_id, page, PROBLEMS_PAGE)
    if found is None:
        abort(404, description=f"import run {run_id} does not exist")
    run, problems = found
    more = run.problems > page * PROBLEMS_PAGE
    body = ImportRunDetail(
        run_id=run.id,
        status=run.status,
        source=run.source,
        connector=run.connector,
        file=run.file_name,
        size=run.file_size,
        sha256=run.file_sha256,
        trigger=run.trigger.value,
        started_by=run.started_by,
        dry_run=run.dry_run,
        started_at=run.started_at,
        finished_at=run.finished_at,
        seconds=None if run.seconds is None else round(run.seconds, 3),
        error=run.error,
        errors_total=run.problems,
        rejected_total=run.rejected_problems,
        errors=[_problem(run, p) for p in problems],
        next=url_for("carbon.api_import_run", run_id=run.id, page=page + 1) if more else None,
        **run.counts,
    )
    return jsonify(body.model_dump(mode="json"))


def _problem(run: RunView, p: ProblemView) -> RowProblem:
    found = Problem(run.file_name, p.row, p.field, p.reason, p.value, p.rejected)
    return RowProblem(**found.to_json())


GET_RUN = Operation(
    method="get",
    path=f"{API_PREFIX}/imports/<id:run_id>",
    operation_id="getImportRun",
    summary="An import run: status, counts, timings and row problems",
    description=(
        f"Row problems come {PROBLEMS_PAGE:,} a page, in file order; follow `next`. " + WHO
    ),
    parameters=(
        Parameter(
            "page",
            f"1-based page of {PROBLEMS_PAGE:,} row problems",
            params.PAGE_SCHEMA,
        ),
    ),
    responses=(
        Reply(200, "The run.", ImportRunDetail),
        Reply(400, "A bad page parameter.", Error),
        SIGNED_IN,
        NOT_ALLOWED,
        Reply(404, "No such import run.", Error),
    ),
    tags=TAGS,
)
