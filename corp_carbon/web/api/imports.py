"""JSON API: push a booking export to be imported, and follow an import run.

A travel system pushes with an API token holding the ``import`` scope; a sustainability
officer or an administrator may push from a signed-in session (with a CSRF token). The file
is imported synchronously, exactly as ``corp-carbon import`` would import it.

Uploads are bounded by ``imports.max_upload_mb``: a request declaring a larger body is
refused before any of it is read, and one that does not declare its size is cut off once it
passes the limit (Werkzeug's ``max_content_length``), so an oversized upload is never
written to disk whole.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from pydantic import BaseModel, Field
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from connectors import REGISTRY
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.imports_view import ProblemView, RunView
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger, Role
from corp_carbon.services.imports import runs as import_runs
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import COUNTS, ImportRequest, Problem, RunReport
from corp_carbon.web.access import (
    current_actor,
    current_employee,
    current_token,
    scope_or_roles_required,
)
from corp_carbon.web.api.openapi import (
    API_PREFIX,
    Body,
    Error,
    ErrorDetail,
    Operation,
    Parameter,
    Reply,
    api_route,
)
from corp_carbon.web.params import PAGE_SCHEMA, api_page_number
from corp_carbon.web.state import carbon

#: the scope an API token needs to push files and read runs.
IMPORT_SCOPE = "import"
#: who may import from a signed-in session (page or API).
IMPORT_ROLES = (Role.SUSTAINABILITY, Role.ADMIN)
MB = 1024 * 1024
#: room for the multipart envelope and the small form fields around the file itself.
ENVELOPE_BYTES = 64 * 1024
#: problems listed in the answer to a push; the run's URL lists them all.
PUSH_PROBLEMS = 100
#: problems per page of GET /api/v1/imports/<id>.
PROBLEMS_PAGE = 1000
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"", "0", "false", "no", "off"})


def register(bp: Blueprint) -> None:
    bp.url_value_preprocessor(limit_upload_size("api_push_import"))
    api_route(bp, PUSH, api_push_import, endpoint="api_push_import")
    api_route(bp, GET_RUN, api_import_run, endpoint="api_import_run")


# --- the upload, shared with the admin page ---------------------------------------------------


def limit_upload_size(*endpoints: str) -> Callable[[str | None, dict[str, Any] | None], None]:
    """A URL-value preprocessor bounding the body of POSTs to ``endpoints``.

    URL-value preprocessors run before every ``before_request`` hook, so the limit is in place
    before the CSRF check reads the form (which parses, and spools, the whole upload).
    """

    def limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if request.method != "POST" or (endpoint or "").rpartition(".")[2] not in endpoints:
            return
        limit_mb = carbon().settings.imports.max_upload_mb
        request.max_content_length = limit_mb * MB + ENVELOPE_BYTES
        declared = request.content_length
        if declared is not None and declared > request.max_content_length:
            raise RequestEntityTooLarge(too_large(limit_mb, declared))

    return limit


def too_large(limit_mb: int, size: int | None = None) -> str:
    got = f"the upload is {size / MB:,.1f} MB; " if size is not None else ""
    return (
        f"file: {got}files of at most {limit_mb:,} MB are accepted (setting "
        "imports.max_upload_mb); split the export into smaller files"
    )


def check_connector(connector: str) -> str:
    """The connector name, checked against the registry; 400 naming the accepted ones."""
    name = connector.strip()
    accepted = ", ".join(REGISTRY)
    if not name:
        raise DomainError(f"connector: required; accepted: {accepted}")
    if name not in REGISTRY:
        raise DomainError(f"connector {name!r}: unknown; accepted: {accepted}")
    return name


def parse_flag(name: str, raw: str | None) -> bool:
    value = (raw or "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise DomainError(f"{name} {raw!r}: accepted: true, false")


def import_upload(
    upload: FileStorage | None,
    *,
    connector: str,
    source: str | None,
    dry_run: bool,
    trigger: ImportTrigger,
    started_by: str,
) -> RunReport:
    """Saves the upload to a private temporary folder, imports it and removes it again."""
    state = carbon()
    connector = check_connector(connector)
    if upload is None or not upload.filename:
        raise DomainError("file: required (a multipart/form-data part named 'file')")
    source_name = (source or "").strip() or None
    mapping = _source_mapping(source_name or connector, connector)
    limit_mb = state.settings.imports.max_upload_mb
    with tempfile.TemporaryDirectory(prefix="corp-carbon-upload-") as folder:
        path = Path(folder) / (secure_filename(upload.filename) or "upload")
        upload.save(path)
        size = path.stat().st_size
        if size > limit_mb * MB:
            raise RequestEntityTooLarge(too_large(limit_mb, size))
        return run_import(
            state.uow(),
            state.settings,
            ImportRequest(
                connector=connector,
                path=path,
                file_name=Path(upload.filename.replace("\\", "/")).name[:500],
                trigger=trigger,
                started_by=started_by,
                source=source_name,
                dry_run=dry_run,
                mapping=mapping,
            ),
        )


def _source_mapping(source: str, connector: str) -> Mapping[str, Any] | None:
    """The configured column mapping of ``source``; 400 when the source reads another format."""
    if len(source) > 120:
        raise DomainError("source: at most 120 characters")
    with carbon().uow() as uow:
        known = import_runs.source_connector(uow.session, source)
    if known is not None and known != connector:
        raise DomainError(
            f"source {source!r} imports {known} files, not {connector}; choose connector "
            f"{known} or another source name"
        )
    for configured in carbon().settings.sources:
        if configured.name == source:
            if configured.connector != connector:
                raise DomainError(
                    f"source {source!r} is configured for {configured.connector} files, "
                    f"not {connector}"
                )
            return dict(configured.mapping)
    return None


# --- bodies -----------------------------------------------------------------------------------


class RowProblem(BaseModel):
    """A row that was rejected, or stored with a warning."""

    file: str = Field(description="The file's name as uploaded.")
    row: int = Field(description="Row (line) number in the file; the header is row 1.")
    field: str = Field(description="The column (or field) at fault.")
    reason: str
    value: str | None = Field(description="The value at fault, as the file gave it.")
    rejected: bool = Field(description="true: the row was not imported; false: a warning.")


class ImportCounts(BaseModel):
    read: int = Field(description="Segments (or survey answers) read from the file.")
    imported: int
    updated: int
    duplicates: int = Field(description="The same trip already came from another source.")
    cancelled: int
    rejected: int
    waiting: int = Field(description="Waiting for their traveller to appear as an employee.")
    unchanged: int = Field(description="Re-sent exactly as stored: nothing changed.")


class ImportResult(ImportCounts):
    """What one push did."""

    run_id: int | None = Field(description="null for a dry run (nothing is stored).")
    status: ImportRunStatus
    connector: str
    source: str
    file: str
    size: int = Field(description="Bytes.")
    sha256: str
    dry_run: bool
    kg_co2e: float = Field(description="Emissions assessed by this run, kg CO2e.")
    points: int = Field(description="Points credited by this run.")
    seconds: float
    error: str | None = Field(description="Why the run failed; null unless status is failed.")
    errors_total: int = Field(description="Row problems found; `errors` lists the first 100.")
    errors: list[RowProblem]
    url: str | None = Field(description="The run, with every row problem; null for a dry run.")


class ImportRefused(BaseModel):
    """An import that failed: the file could not be read (as a whole) with this connector."""

    error: ErrorDetail
    run: ImportResult


class ImportRunDetail(ImportCounts):
    """An import run with its row problems, a page at a time."""

    run_id: int
    status: ImportRunStatus
    source: str
    connector: str
    file: str
    size: int
    sha256: str
    trigger: str = Field(description="cli, upload, api or schedule.")
    started_by: str = Field(description="An email, token:<name>, cli:<user> or schedule:<id>.")
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    seconds: float | None = Field(description="Duration; null while the run is running.")
    error: str | None
    errors_total: int = Field(description="Row problems stored for the run.")
    rejected_total: int = Field(description="Of which rejected their row (the rest: warnings).")
    errors: list[RowProblem] = Field(description="This page of row problems, in file order.")
    next: str | None = Field(description="The next page of row problems; null on the last.")


# --- views ----------------------------------------------------------------------------------


@scope_or_roles_required(IMPORT_SCOPE, *IMPORT_ROLES)
def api_push_import() -> tuple[Response, int]:
    """201: imported; 200: dry run; 400: bad form; 413: too large; 422: the file did not fit."""
    form = request.form
    dry_run = parse_flag("dry_run", form.get("dry_run"))
    report = import_upload(
        request.files.get("file"),
        connector=form.get("connector", ""),
        source=form.get("source"),
        dry_run=dry_run,
        trigger=ImportTrigger.API,
        started_by=started_by(),
    )
    result = push_result(report, source=form.get("source") or "", dry_run=dry_run)
    if report.failed:
        message = report.error or "the import failed"
        refused = ImportRefused(
            error=ErrorDetail(code="import_failed", message=message), run=result
        )
        return jsonify(refused.model_dump(mode="json")), 422
    response = jsonify(result.model_dump(mode="json"))
    if result.url is not None:
        response.headers["Location"] = result.url
    return response, 200 if report.run_id is None else 201


@scope_or_roles_required(IMPORT_SCOPE, *IMPORT_ROLES)
def api_import_run(run_id: int) -> Response:
    """200: the run with a page of its row problems; 404: no such run."""
    unknown = sorted(set(request.args) - {"page"})
    if unknown:
        raise DomainError(f"unknown parameter {unknown[0]!r}: accepted: page")
    page = api_page_number()
    found = import_runs.look_at_run(
        carbon().uow(), current_actor(), run_id, limit=PROBLEMS_PAGE,
        offset=(page - 1) * PROBLEMS_PAGE,
    )  # fmt: skip
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


# --- helpers --------------------------------------------------------------------------------


def started_by() -> str:
    """Who to record as having started a run: the API token, or the signed-in employee."""
    token = current_token()
    if token is not None:
        return f"token:{token.name}"
    employee = current_employee()
    assert employee is not None  # the access decorator ran first
    return employee.email


def push_result(report: RunReport, *, source: str, dry_run: bool) -> ImportResult:
    return ImportResult(
        run_id=report.run_id,
        status=report.status,
        connector=report.connector,
        source=source.strip() or report.connector,
        file=report.file_name,
        size=report.file_size,
        sha256=report.file_sha256,
        dry_run=dry_run,
        kg_co2e=float(report.kg_co2e),
        points=report.points,
        seconds=round(report.seconds, 3),
        error=report.error,
        errors_total=len(report.problems),
        errors=[RowProblem(**p.to_json()) for p in report.problems[:PUSH_PROBLEMS]],
        url=(
            None
            if report.run_id is None
            else url_for("carbon.api_import_run", run_id=report.run_id)
        ),
        **{name: report.counts[name] for name in COUNTS},
    )


def _problem(run: RunView, p: ProblemView) -> RowProblem:
    found = Problem(run.file_name, p.row, p.field, p.reason, p.value, p.rejected)
    return RowProblem(**found.to_json())


# --- the API description --------------------------------------------------------------------

TAGS = ("imports",)
WHO = (
    "An API token with the `import` scope (`corp-carbon tokens create --scope import`), or "
    "the session of a sustainability officer or administrator."
)
SIGNED_IN = Reply(401, "No session and no valid API token.", Error)
NOT_ALLOWED = Reply(
    403, "The API token lacks the import scope, or the employee is not allowed.", Error
)


def _upload_form() -> dict[str, Any]:
    """The multipart body of a push, with the bounds ``api_push_import`` checks."""
    return {
        "type": "object",
        "required": ["file", "connector"],
        "properties": {
            "file": {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": "The export, as the travel system wrote it.",
            },
            "connector": {"type": "string", "enum": list(REGISTRY)},
            "source": {
                "type": "string",
                "maxLength": 120,
                "description": "The import source name; default: the connector's name.",
            },
            "dry_run": {
                "type": "string",
                "enum": sorted(TRUE | FALSE),
                "description": "true: read, match and score, store nothing.",
            },
        },
    }


PUSH = Operation(
    method="post",
    path=f"{API_PREFIX}/imports",
    operation_id="pushImport",
    summary="Import a booking export (multipart upload)",
    description=(
        "Body: `multipart/form-data` with `file` (the export), `connector` (one of "
        f"{', '.join(REGISTRY)}), and optionally `source` (the import source name; records "
        "are de-duplicated per source; default: the connector's name) and `dry_run` "
        "(true: read, match and score, store nothing). The file is imported before the "
        "answer is sent, exactly as `corp-carbon import` would. Files are limited to "
        "`imports.max_upload_mb`. " + WHO
    ),
    body=Body("multipart/form-data", _upload_form),
    responses=(
        Reply(201, "Imported; `url` is the run, with every row problem.", ImportResult),
        Reply(200, "A dry run: nothing was stored.", ImportResult),
        Reply(400, "No file, an unknown connector (the message lists the accepted ones).", Error),
        SIGNED_IN,
        NOT_ALLOWED,
        Reply(413, "The file is larger than imports.max_upload_mb; nothing was stored.", Error),
        Reply(
            422,
            "The file could not be read with this connector (wrong format, unreadable, broken "
            "mid-file); the run is recorded as failed and the message says which connector "
            "fits, when one does.",
            ImportRefused,
        ),
    ),
    tags=TAGS,
)

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
            PAGE_SCHEMA,
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
