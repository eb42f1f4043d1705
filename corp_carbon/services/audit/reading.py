"""Reading the append-only audit log: filtered pages, newest first, and batches for exports.

Looking at the log is itself on the record: ``look`` and ``start_export`` write an
``audit.view`` / ``audit.export`` event naming the filter used.

Pages and exports are keyset-paged on the event id (ids only grow, so newest first is id
descending): a page never repeats or skips an event while new ones are written, and an export
reads in batches, each in a short transaction of its own, up to the newest event that existed
when it started.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import AuditEvent
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.bounds import MAX_ID
from corp_carbon.domain.dates import parse_period
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import Actor
from corp_carbon.services.audit import entries as audit

#: the query parameters of a filter, as the page's form and the API name them.
FILTER_PARAMS = ("action", "actor", "target_type", "target_id", "from", "to")
#: events per batch of an export.
EXPORT_BATCH = 1000
#: a page counts matching events up to this many, then says "at least".
COUNT_CAP = 10_000
_MAX_LENGTH = {"action": 64, "actor": 320, "target_type": 64, "target_id": 64}


@dataclass(frozen=True)
class AuditFilter:
    """Which events to show; every part optional, all given parts must match."""

    #: an exact action ("token.create"), or every action starting with a prefix ending in
    #: "." or "*" ("token." or "token*").
    action: str | None = None
    #: part of the actor's label (an email, "cli:<user>", "token:<name>", "system"), any case.
    actor: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    #: first and last day (UTC), both included.
    date_from: date | None = None
    date_to: date | None = None

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (only the parts given), for links and the record."""
        values = {
            "action": self.action,
            "actor": self.actor,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_label: str
    actor_id: int | None
    action: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    #: the ``before`` of the next (older) page; None on the last page.
    next_before: int | None


def parse_filter(args: Mapping[str, str]) -> AuditFilter:
    """A filter from query parameters; blank ones are ignored; DomainError naming a bad one."""
    text: dict[str, str | None] = {}
    for name, limit in _MAX_LENGTH.items():
        value = (args.get(name) or "").strip()
        if len(value) > limit:
            raise DomainError(f"{name}: at most {limit} characters")
        text[name] = value or None
    date_from, date_to = parse_period(args.get("from"), args.get("to"))
    return AuditFilter(
        action=text["action"],
        actor=text["actor"],
        target_type=text["target_type"],
        target_id=text["target_id"],
        date_from=date_from,
        date_to=date_to,
    )


def parse_before(raw: str | None) -> int | None:
    """The ``before`` cursor of a page (an event id), or None for the newest page."""
    value = (raw or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise DomainError(f"before {value!r}: not a cursor this page gave; follow its links")
    return int(value)


# -- use cases (each owns its transaction) --------------------------------------------------------


def look(
    uow: UnitOfWork,
    actor: Actor,
    wanted: AuditFilter,
    *,
    limit: int,
    before: int | None = None,
    via: str = "page",
) -> AuditPage:
    """A page of events, newest first; the look is recorded as ``audit.view``."""
    with uow:
        page = events_page(uow.session, wanted, limit=limit, before=before)
        audit.record(
            uow.session,
            actor,
            "audit.view",
            target_type="audit_log",
            detail={
                "via": via,
                "filter": wanted.as_params(),
                "before": before,
                "shown": len(page.entries),
            },
        )
        uow.commit()
    return page


def start_export(uow: UnitOfWork, actor: Actor, wanted: AuditFilter, file_format: str) -> int:
    """Records the export as ``audit.export``; returns the newest event id it covers (the
    export itself included, so the file shows that it was taken)."""
    with uow:
        audit.record(
            uow.session,
            actor,
            "audit.export",
            target_type="audit_log",
            detail={"format": file_format, "filter": wanted.as_params()},
        )
        uow.commit()
        newest = uow.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    return int(newest or 0)


def export_entries(
    make_uow: Callable[[], UnitOfWork],
    wanted: AuditFilter,
    *,
    upto: int,
    batch: int = EXPORT_BATCH,
) -> Iterator[AuditEntry]:
    """Every matching event with an id up to ``upto``, newest first, read in batches: each
    batch in a short transaction of its own, so a slow download holds no transaction open."""
    before = upto + 1
    while True:
        with make_uow() as uow:
            page = events_page(uow.session, wanted, limit=batch, before=before)
        yield from page.entries
        if page.next_before is None:
            return
        before = page.next_before


# -- reads (inside the caller's transaction) ------------------------------------------------------


def events_page(
    session: Session, wanted: AuditFilter, *, limit: int, before: int | None = None
) -> AuditPage:
    """Up to ``limit`` matching events older than event ``before``, newest first."""
    query = _filtered(sa.select(AuditEvent), wanted).order_by(AuditEvent.id.desc())
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = list(session.scalars(query.limit(limit + 1)))
    entries = [_entry(row) for row in rows[:limit]]
    more = len(rows) > limit
    return AuditPage(entries=entries, next_before=entries[-1].id if more and entries else None)


def count_events(session: Session, wanted: AuditFilter, *, cap: int = COUNT_CAP) -> int:
    """How many events match, counting no further than ``cap`` (a page of a huge log should
    not scan all of it to say so): ``cap`` means "at least that many"."""
    matching = _filtered(sa.select(AuditEvent.id), wanted).limit(cap).subquery()
    return int(session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0)


def known_actions(session: Session, *, recent: int = 5000) -> list[str]:
    """The actions among the latest ``recent`` events, for the filter's suggestions."""
    latest = sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(recent).subquery()
    return list(session.scalars(sa.select(latest.c.action).distinct().order_by(latest.c.action)))


def _filtered(query: sa.Select[Any], wanted: AuditFilter) -> sa.Select[Any]:
    if wanted.action:
        if wanted.action.endswith(("*", ".")):
            prefix = wanted.action.rstrip("*")
            query = query.where(AuditEvent.action.startswith(prefix, autoescape=True))
        else:
            query = query.where(AuditEvent.action == wanted.action)
    if wanted.actor:
        query = query.where(
            sa.func.lower(AuditEvent.actor_label).contains(wanted.actor.lower(), autoescape=True)
        )
    if wanted.target_type:
        query = query.where(AuditEvent.target_type == wanted.target_type)
    if wanted.target_id:
        query = query.where(AuditEvent.target_id == wanted.target_id)
    if wanted.date_from:
        query = query.where(AuditEvent.at >= _midnight(wanted.date_from))
    if wanted.date_to:
        query = query.where(AuditEvent.at < _midnight(wanted.date_to + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _entry(row: AuditEvent) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_label=row.actor_label,
        actor_id=row.actor_id,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        ip=row.ip,
        detail=dict(row.detail or {}),
    )
