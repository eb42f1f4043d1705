"""Values taken from URLs and forms, each kind parsed in one place and named in its 400.

Record ids are PostgreSQL ``integer`` columns (``domain.bounds``): an id of 2^31 or more is
no record, so the ``id`` URL converter refuses it (404) before any view runs, on every
database. Page numbers
become an ``OFFSET``; a page past ``MAX_PAGE`` is refused (API) or read as the last sensible
one (pages), never passed on to overflow the database. Flags, dates and page sizes read
the same way on every route, so a client learns one spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Blueprint, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import IntegerConverter

from corp_carbon.domain.bounds import MAX_ID
from corp_carbon.domain.dates import parse_period
from corp_carbon.domain.errors import DomainError

#: the largest page number any paged list accepts.
MAX_PAGE = MAX_ID
#: the OpenAPI schema of a record id in a URL.
ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
#: the words a flag accepts, any case.
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
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


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill, ``per_page`` a page (at least one, maybe empty)."""
    return max(1, -(-total // per_page))


def per_page(default: int, maximum: int, name: str = "per_page") -> int:
    """The API's page size: ``default`` when left out, else a whole number up to ``maximum``."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise DomainError(f"{name} {raw!r}: must be a whole number from 1 to {maximum}")
    return int(raw)


def reject_unknown(accepted: Sequence[str]) -> None:
    """400 for a query parameter the route does not take: a misspelt one would otherwise be
    ignored silently and give a wrong answer."""
    unknown = sorted(set(request.args) - set(accepted))
    if unknown:
        raise DomainError(f"unknown parameter {unknown[0]!r}: accepted: {', '.join(accepted)}")


def period() -> tuple[date | None, date | None]:
    """The ``from`` and ``to`` days of a list, either one open (``YYYY-MM-DD``)."""
    return parse_period(request.args.get("from"), request.args.get("to"))


def flag(name: str, raw: str) -> bool:
    """A yes/no value (true/false, yes/no, on/off, 1/0); 400 naming ``name`` otherwise."""
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise DomainError(f"{name} {raw!r}: accepted: true, false")


def form_flag(name: str, raw: str | None) -> bool:
    """A form's flag, where an unticked box sends nothing: missing or blank is no."""
    return flag(name, raw) if raw and raw.strip() else False


def form_id(name: str, raw: str | None) -> int:
    """A record id posted in a form field; 400 naming the field when it is not one."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise DomainError(f"{name}: a record number from 1 to {MAX_ID:,} (got {text[:20]!r})")
    return int(text)
