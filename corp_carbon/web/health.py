"""Health check for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from corp_carbon.services import health, outage
from corp_carbon.web.access import public
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/healthz", view_func=healthz, endpoint="healthz")


@public
def healthz() -> tuple[Response, int, dict[str, str]]:
    """200 when the database answers and its schema is current; 503 (with Retry-After)
    otherwise."""
    result = health.check(carbon().engine)
    body = jsonify(
        status="ok" if result.ok else "unavailable", database=result.database, schema=result.schema
    )
    if result.ok:
        return body, 200, {}
    return body, 503, {"Retry-After": str(outage.RETRY_AFTER_SECONDS)}
