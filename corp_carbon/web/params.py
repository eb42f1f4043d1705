"""Numbers taken from URLs, bounded once so no route hands the database a number it can't hold.

Record ids are PostgreSQL ``integer`` columns (``domain.bounds``): an id of 2^31 or more is
no record, so the ``id`` URL converter refuses it (404) before any view runs, on every
database. Page numbers
become an ``OFFSET``; a page past ``MAX_PAGE`` is refused (API) or read as the last sensible
one (pages), never passed on to overflow the database.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import IntegerConverter

from corp_carbon.domain.bounds import MAX_ID
from corp_carbon.domain.errors import DomainError

#: the largest page number any paged list accepts.
MAX_PAGE = MAX_ID
#: the OpenAPI schema of a record id in a URL.
ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
#: the OpenAPI schema of a ``page`` parameter.
PAGE_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}


class IdConverter(IntegerConverter):
    """``<id:name>``: a record id, 1 to ``MAX_ID``; anything else matches no route (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register(bp: Blueprint) -> None:
    """Adds the ``id`` converter to the app the blueprint joins (before any of its routes)."""

    def add_converter(state: BlueprintSetupState) -> None:
        converters = state.app.url_map.converters
        if converters.setdefault("id", IdConverter) is not IdConverter:
            raise RuntimeError("the host application has its own 'id' URL converter")

    bp.record_once(add_converter)


def page_number(name: str = "page") -> int:
    """A page's ``page`` parameter, leniently: missing or unreadable is 1, too large the last."""
    raw = request.args.get(name, "").strip()
    if not raw.isascii() or not raw.isdigit():
        return 1
    return max(1, min(int(raw), MAX_PAGE))


def api_page_number(name: str = "page") -> int:
    """The API's ``page`` parameter, strictly: 400 naming it unless a whole number in range."""
    raw = request.args.get(name, "1").strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise DomainError(f"{name} {raw!r}: a whole number from 1 to {MAX_PAGE}")
    return int(raw)
