"""JSON API: push a booking export to be imported (``import_runs`` reads the runs).

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
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from connectors import REGISTRY
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import ImportTrigger, Role
from corp_carbon.services.imports import runs as import_runs
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import COUNTS, ImportRequest, RunReport
from corp_carbon.web import params
from corp_carbon.web.access import (
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
    Reply,
    api_route,
)
from corp_carbon.web.api.schemas.imports import ImportRefused, ImportResult, RowProblem
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


def register(bp: Blueprint) -> None:
    bp.url_value_preprocessor(limit_upload_size("api_push_import"))
    api_route(bp, PUSH, api_push_import, endpoint="api_push_import")


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


def import_posted(*, dry_run: bool, trigger: ImportTrigger, started_by: str) -> RunReport:
    """Imports the posted form's ``file`` with its ``connector`` into its ``source``: saved to
    a private temporary folder, imported, and removed again."""
    state = carbon()
    upload = request.files.get("file")
    connector = check_connector(request.form.get("connector", ""))
    source = request.form.get("source")
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


# --- the view -------------------------------------------------------------------------------


@scope_or_roles_required(IMPORT_SCOPE, *IMPORT_ROLES)
def api_push_import() -> tuple[Response, int]:
    """201: imported; 200: dry run; 400: bad form; 413: too large; 422: the file did not fit."""
    form = request.form
    dry_run = params.form_flag("dry_run", form.get("dry_run"))
    report = import_posted(dry_run=dry_run, trigger=ImportTrigger.API, started_by=started_by())
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
                "enum": sorted(params.TRUE | params.FALSE | {""}),
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
