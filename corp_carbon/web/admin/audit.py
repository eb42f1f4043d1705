"""The audit log for administrators: filter, page through newest first, export as CSV or XLSX.

Every look and every export is itself written to the log (``audit.view``, ``audit.export``),
with the filter used. Answers carry ``Cache-Control: no-store``: the log names people.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from tempfile import SpooledTemporaryFile
from typing import IO

from flask import Blueprint, Response, render_template, request

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.audit import export as audit_export
from corp_carbon.services.audit import reading as audit_log
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.admin.audit_words import action_words, target_words
from corp_carbon.web.state import carbon

PAGE_SIZE = 100
#: an XLSX export stays in memory up to this size, then goes on in a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/audit", view_func=audit_page, endpoint="admin_audit")
    bp.add_url_rule(
        "/admin/audit/export.<any(csv, xlsx):file_format>",
        view_func=audit_export_file,
        endpoint="admin_audit_export",
    )


@roles_required(Role.ADMIN)
def audit_page() -> tuple[str, int, dict[str, str]]:
    """200: a page of events, newest first; 400: a bad filter, named on the page."""
    state = carbon()
    error = None
    wanted = audit_log.AuditFilter()
    page = audit_log.AuditPage(entries=[], next_before=None)
    total = 0
    before = None
    try:
        wanted = audit_log.parse_filter(request.args)
        before = audit_log.parse_before(request.args.get("before"))
    except DomainError as exc:
        error = exc.message
    else:
        page = audit_log.look(state.uow(), current_actor(), wanted, limit=PAGE_SIZE, before=before)
    with state.uow() as uow:
        actions = audit_log.known_actions(uow.session)
        if error is None:
            total = audit_log.count_events(uow.session, wanted, cap=audit_log.COUNT_CAP)
    html = render_template(
        "carbon/admin/audit.html",
        entries=page.entries,
        next_before=page.next_before,
        before=before,
        total=total,
        params=wanted.as_params() if error is None else _raw_params(),
        actions=actions,
        error=error,
        page_size=PAGE_SIZE,
        count_cap=audit_log.COUNT_CAP,
        detail_text=audit_export.detail_text,
        action_words=action_words,
        target_words=target_words,
    )
    return html, 400 if error else 200, {"Cache-Control": "no-store"}


@roles_required(Role.ADMIN)
def audit_export_file(file_format: str) -> Response:
    """200: every event matching the filter, newest first, as a download; 400: a bad filter."""
    state = carbon()
    wanted = audit_log.parse_filter(request.args)  # DomainError -> 400 naming the parameter
    upto = audit_log.start_export(state.uow(), current_actor(), wanted, file_format)
    entries = audit_log.export_entries(state.uow, wanted, upto=upto)
    name = f"audit-log-{datetime.now(UTC):%Y%m%d-%H%M%S}.{file_format}"
    if file_format == "csv":
        response = Response(
            audit_export.csv_chunks(entries),
            content_type=audit_export.CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    else:
        spool = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by _chunks
        try:
            audit_export.write_xlsx(entries, spool)
            size = spool.tell()
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        response = Response(
            _chunks(spool),
            mimetype=audit_export.XLSX_MEDIA_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Content-Length": str(size),
            },
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """The finished workbook in pieces; the temporary file is closed at the end."""
    try:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


def _raw_params() -> dict[str, str]:
    """The filter as typed, to show it back with its error."""
    return {name: request.args.get(name, "") for name in audit_log.FILTER_PARAMS}
