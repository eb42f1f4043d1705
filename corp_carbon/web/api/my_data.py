"""JSON API: download everything held about me, as JSON or as a zip of CSV files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, request
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from corp_carbon.services.my_data import export, files
from corp_carbon.web import params
from corp_carbon.web.access import current_actor, current_employee, login_required
from corp_carbon.web.api.openapi import API_PREFIX, Error, Operation, Parameter, Reply, api_route
from corp_carbon.web.state import carbon

SECTION_NAMES = ", ".join(section.name for section in export.SECTIONS)


class MyDataExport(BaseModel):
    """Everything corp-carbon holds about the caller (``format=json``)."""

    export_version: int = Field(description="Layout version of this document.")
    employee: str = Field(description="The caller's pseudonymous key (public id).")
    exported_at: datetime = Field(description="When the export was made (UTC).")
    sections: dict[str, list[dict[str, Any]]] = Field(
        description=f"One list of rows per section: {SECTION_NAMES}. Decimals are strings, "
        "times ISO 8601 in UTC, codes as stored."
    )


def register(bp: Blueprint) -> None:
    api_route(bp, MY_EXPORT, api_my_export, endpoint="api_my_export")


@login_required
def api_my_export() -> Response:
    """200: the file (audit-logged as "personal data exported"); 400: an unknown parameter;
    401: no session and no valid API token; 422: an unknown format, naming ``format``."""
    params.reject_unknown([p.name for p in MY_EXPORT.parameters])
    file_format = files.checked_format(request.args.get("format"))
    employee = current_employee()
    assert employee is not None  # login_required
    data = export.export_my_data(
        carbon().uow(), current_actor(), employee.id, file_format=file_format
    )
    body, media_type, name = files.render(data, file_format)
    return Response(
        body,
        mimetype=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


MY_EXPORT = Operation(
    method="get",
    path=f"{API_PREFIX}/me/export",
    operation_id="myExport",
    summary="Download everything held about me",
    description=(
        f"The caller's own data in every section ({SECTION_NAMES}): `format=json` gives one "
        "JSON document, `format=csv` a zip with one CSV file per section (UTF-8 with a "
        "byte-order mark; text that a spreadsheet would read as a formula starts with an "
        "apostrophe). Only the caller's own rows; each download is written to the audit log."
    ),
    parameters=(
        Parameter(
            "format",
            "json (default) or csv (a zip of CSV files).",
            {"type": "string", "enum": list(files.FORMATS)},
            example="json",
        ),
    ),
    responses=(
        Reply(200, "The caller's data as a JSON document.", MyDataExport),
        Reply(
            200,
            "The caller's data as a zip of CSV files, one per section.",
            schema={"type": "string", "format": "binary"},
            media_type="application/zip",
        ),
        Reply(400, "An unknown query parameter; the message names it.", Error),
        Reply(401, "No session and no valid API token.", Error),
        Reply(422, "An unknown format; the message names the parameter.", Error),
    ),
    tags=("me",),
)
