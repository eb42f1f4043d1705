"""One structured log line per corp-carbon request: method, path, status, duration, request id."""

from __future__ import annotations

import logging
import time
import uuid

from flask import Blueprint, g, request
from werkzeug.wrappers import Response

request_log = logging.getLogger("corp_carbon.request")


def register(bp: Blueprint) -> None:
    bp.before_request(_start_timer)
    bp.after_request(_log_request)


def _start_timer() -> None:
    g.carbon_started = time.perf_counter()
    g.carbon_request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex


def _log_request(response: Response) -> Response:
    started = g.get("carbon_started")
    if started is None:
        return response
    response.headers.setdefault("X-Request-ID", g.carbon_request_id)
    employee = g.get("carbon_employee")
    request_log.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "request_id": g.carbon_request_id,
            "employee_id": employee.id if employee is not None else None,
        },
    )
    return response
