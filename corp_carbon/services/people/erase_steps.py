"""The steps of an erasure, table by table, inside the erasure's one transaction.

Each step removes or replaces what names the person and keeps what the company's figures are
made of: trips with their dates, modes, distances and department of the time, assessments,
the ledger's amounts, commute profiles (mode, distance and days: no places), import counts.
Steps only flush; ``services/people/erase`` runs them in order and commits, so a failure in
any of them leaves nothing changed. The employee row itself changes last (``employee_row``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import (
    Activity,
    AdjustmentRequest,
    ApiToken,
    AuditEvent,
    CommuteEntry,
    CommuteEvidence,
    Employee,
    EmployeeRole,
    ErasureRedaction,
    ErasureRequest,
    ImportRowProblem,
    ImportRun,
    Journey,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PendingRecord,
    Redemption,
)
from corp_carbon.db.session import rows_affected
from corp_carbon.domain.redaction import (
    Identifiers,
    Scrubber,
    erased_email,
    erased_name,
)
from corp_carbon.domain.vocabulary import ActivityKind
from corp_carbon.services.people.accounts import apply_active

#: commute places that say nothing about where someone lives.
NEUTRAL_PLACES = ("Home", "Office")


@dataclass
class Erasing:
    """One erasure under way: the person, how to scrub their text, what was done."""

    session: Session
    employee: Employee
    request: ErasureRequest
    ids: Identifiers
    now: datetime
    #: how many rows each step changed or removed, for the erasure's audit entry.
    counts: Counter[str] = field(default_factory=Counter)
    #: evidence photo files the person sent; removed from disk after the commit.
    photos: set[str] = field(default_factory=set)
    #: their API tokens (gone by the time the audit log is read, which names them by id).
    token_ids: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.shared = Scrubber(self.ids.replacements("shared"))
        self.about = Scrubber(self.ids.replacements("about"))
        self.typed = Scrubber(self.ids.replacements("typed"))
        self.keys = Scrubber(self.ids.replacements("keys"))

    def mentioning(self, column: Any) -> sa.ColumnElement[bool]:
        """Rows whose ``column`` holds the person's name, email or a long enough number, in
        any case (a pre-filter; ``shared`` decides what is replaced)."""
        text = sa.cast(column, sa.Text)
        found: list[sa.ColumnElement[bool]] = []
        for value in self.ids.shared_texts():
            found.append(sa.func.lower(text).like(f"%{_like(value.lower())}%", escape="\\"))
            found.append(text.like(f"%{_like(value)}%", escape="\\"))
        return sa.or_(*found)


def _differs(new: dict[str, Any], row: Any) -> bool:
    """Whether scrubbing changed any of the row's values."""
    return any(getattr(row, name) != value for name, value in new.items() if name != "id")


def _scrubbed(rows: Iterable[Any], **scrub: Callable[[Any], Any]) -> list[dict[str, Any]]:
    """The rows whose columns ``scrub`` changes, as {"id": ..., column: new value, ...}."""
    changed = []
    for row in rows:
        new = {"id": row.id, **{name: how(getattr(row, name)) for name, how in scrub.items()}}
        if _differs(new, row):
            changed.append(new)
    return changed


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def access(e: Erasing) -> None:
    """API tokens and extra roles go; every browser session stops counting."""
    person = e.employee.id
    e.token_ids = list(
        e.session.scalars(sa.select(ApiToken.id).where(ApiToken.employee_id == person))
    )
    gone = e.session.execute(sa.delete(ApiToken).where(ApiToken.employee_id == person))
    e.counts["api_tokens"] = rows_affected(gone)
    e.session.execute(sa.delete(EmployeeRole).where(EmployeeRole.employee_id == person))
    e.session.expire(e.employee, ["roles"])


def evidence(e: Erasing) -> None:
    """Evidence photos: rows now, files after the commit. A trip keeps its verification
    ("evidence attached"), which is a fact about the trip, not a picture of anyone."""
    person = e.employee.id
    e.photos = set(
        e.session.scalars(
            sa.select(CommuteEvidence.file_name).where(CommuteEvidence.employee_id == person)
        )
    )
    theirs = sa.select(CommuteEvidence.id).where(CommuteEvidence.employee_id == person)
    e.session.execute(
        sa.update(CommuteEntry).where(CommuteEntry.evidence_id.in_(theirs)).values(evidence_id=None)
    )
    gone = e.session.execute(
        sa.delete(CommuteEvidence).where(CommuteEvidence.employee_id == person)
    )
    e.counts["evidence_photos"] = rows_affected(gone)


def trips(e: Erasing) -> None:
    """Trips keep their figures; notes, booking references, source keys naming the person
    and commute places other than home and the office go."""
    person = e.employee.id
    mine = Activity.employee_id == person
    e.counts["trips_kept"] = e.session.scalar(sa.select(sa.func.count()).where(mine)) or 0
    e.session.execute(
        sa.update(Activity).where(mine).values(note=None, ticket_number=None, record_locator=None)
    )
    rows = e.session.execute(
        sa.select(Activity.id, Activity.source_record_key, Activity.source_booking_key).where(
            mine,
            sa.or_(
                Activity.source_record_key.is_not(None), Activity.source_booking_key.is_not(None)
            ),
        )
    ).all()
    changed = _scrubbed(rows, source_record_key=e.keys.optional, source_booking_key=e.keys.optional)
    if changed:
        e.session.execute(sa.update(Activity), changed)
    commute = sa.and_(mine, Activity.kind == ActivityKind.COMMUTE)
    for column in (Activity.origin, Activity.destination):
        e.session.execute(
            sa.update(Activity)
            .where(
                commute,
                column.not_in(NEUTRAL_PLACES),
                sa.or_(Activity.office.is_(None), column != Activity.office),
            )
            .values({column.key: None})
        )
    e.session.execute(
        sa.update(Activity)
        .where(commute)
        .values(origin_lat=None, origin_lon=None, destination_lat=None, destination_lon=None)
    )
    offices = {o for o in e.session.scalars(sa.select(Activity.office).where(mine).distinct()) if o}
    neutral = [*NEUTRAL_PLACES, *offices, *([e.employee.office] if e.employee.office else [])]
    for column in (Journey.origin, Journey.destination):
        e.session.execute(
            sa.update(Journey)
            .where(
                Journey.employee_id == person,
                Journey.kind == ActivityKind.COMMUTE,
                column.not_in(neutral),
            )
            .values({column.key: ""})
        )


def redemptions(e: Erasing) -> None:
    """Rewards taken keep their points and status; notes and voucher codes go."""
    person = e.employee.id
    e.session.execute(
        sa.update(Redemption)
        .where(Redemption.employee_id == person)
        .values(note=None, voucher_code=None)
    )
    rows = e.session.execute(
        sa.select(Redemption.id, Redemption.request_key).where(Redemption.employee_id == person)
    ).all()
    changed = _scrubbed(rows, request_key=e.keys.text)
    if changed:
        e.session.execute(sa.update(Redemption), changed)


def imports(e: Erasing) -> None:
    """Records that waited for the person are deleted (else a new account with the same
    email would pick them up); row problems quoting them lose the value; runs they started
    are credited to the erased name."""
    person = e.employee
    waiting = [PendingRecord.email == person.email]
    if person.employee_number:
        waiting.append(PendingRecord.employee_number == person.employee_number)
    waiting.append(
        PendingRecord.resolved_activity_id.in_(
            sa.select(Activity.id).where(Activity.employee_id == person.id)
        )
    )
    gone = e.session.execute(sa.delete(PendingRecord).where(sa.or_(*waiting)))
    e.counts["waiting_records"] = rows_affected(gone)
    problems = e.session.execute(
        sa.select(ImportRowProblem.id, ImportRowProblem.reason, ImportRowProblem.value).where(
            sa.or_(e.mentioning(ImportRowProblem.value), e.mentioning(ImportRowProblem.reason))
        )
    ).all()
    if problems:
        e.session.execute(
            sa.update(ImportRowProblem),
            [
                {
                    "id": p.id,
                    "reason": e.shared.text(p.reason),
                    "value": None if e.shared.optional(p.value) != p.value else p.value,
                }
                for p in problems
            ],
        )
    e.counts["row_problems"] = len(problems)
    runs = e.session.execute(
        sa.select(ImportRun.id, ImportRun.started_by, ImportRun.file_name, ImportRun.error).where(
            sa.or_(
                e.mentioning(ImportRun.started_by),
                e.mentioning(ImportRun.file_name),
                e.mentioning(ImportRun.error),
            )
        )
    ).all()
    changed = _scrubbed(
        runs, started_by=e.shared.text, file_name=e.shared.text, error=e.shared.optional
    )
    if changed:
        e.session.execute(sa.update(ImportRun), changed)


def _naming(e: Erasing, model: Any, *people: Any) -> Sequence[Any]:
    """The rows of ``model`` in which any of the ``people`` columns is the person."""
    person = e.employee.id
    return e.session.scalars(sa.select(model).where(sa.or_(*(c == person for c in people)))).all()


def requests(e: Erasing) -> None:
    """Their erasure requests keep channel, dates and outcome; the reason HR typed and the
    label of who asked (the person, when they asked themselves) lose what names them.
    Requests they recorded or confirmed for others name them no more either."""
    r = ErasureRequest
    for row in _naming(e, r, r.employee_id, r.requested_by_id, r.confirmed_by_id):
        if row.employee_id == e.employee.id:
            row.reason = e.typed.text(row.reason)[:500]
        row.requested_by_label = e.about.text(row.requested_by_label)[:320]
        row.confirmed_by_label = e.about.optional(row.confirmed_by_label)
    e.session.flush()


def adjustments(e: Erasing) -> None:
    """Large adjustments waiting for or decided by a second person keep their points, status
    and dates; the reasons and keys of those about the person, and the labels of those they
    asked for or decided, lose what names them."""
    a = AdjustmentRequest
    rows = _naming(e, a, a.employee_id, a.requested_by_id, a.decided_by_id)
    for row in rows:
        if row.employee_id == e.employee.id:
            row.reason = e.typed.text(row.reason)[:500]
            row.decision_note = e.typed.text(row.decision_note)[:500]
            row.request_key = e.keys.text(row.request_key)[:200]
        row.requested_by_label = e.about.text(row.requested_by_label)[:320]
        row.decided_by_label = e.about.optional(row.decided_by_label)
    e.counts["adjustment_requests"] = len(rows)
    e.session.flush()


def _redact(e: Erasing, table: str, rows: list[dict[str, Any]]) -> None:
    """Records why each append-only row changes, then changes it (the triggers allow an
    UPDATE of the free-text columns only once the redaction is recorded)."""
    if not rows:
        return
    e.session.execute(
        sa.insert(ErasureRedaction),
        [{"request_id": e.request.id, "table_name": table, "row_id": r["id"]} for r in rows],
    )
    e.counts[f"{table}_redacted"] = len(rows)


def ledger(e: Erasing) -> None:
    """The ledger keeps every amount, kind and date; the memos of the person's transactions
    (an HR adjustment's reason may name them) and their idempotency keys lose what names
    them. Memos elsewhere are left as they are."""
    person = e.employee.id
    account = sa.select(LedgerAccount.id).where(LedgerAccount.employee_id == person)
    touching = sa.select(LedgerEntry.transaction_id).where(LedgerEntry.account_id.in_(account))
    rows = e.session.execute(
        sa.select(
            LedgerTransaction.id, LedgerTransaction.memo, LedgerTransaction.idempotency_key
        ).where(sa.or_(LedgerTransaction.id.in_(touching), LedgerTransaction.actor_id == person))
    ).all()
    changed = _scrubbed(rows, memo=e.typed.text, idempotency_key=e.keys.text)
    _redact(e, "ledger_transactions", changed)
    if changed:
        e.session.execute(sa.update(LedgerTransaction), changed)


def audit_log(e: Erasing) -> None:
    """Entries by the person or about them or their records, and any entry whose detail
    names them: the action, time, actor and target ids stay; names, emails, numbers and the
    person's IP address go (the entry then names the erased row instead). The detail of an
    entry about them loses each part of their name too: it may quote what HR typed ("Thanks,
    Zoë", "Handed to Zoë")."""
    person = e.employee.id

    def theirs(kind: str, ids: Any) -> sa.ColumnElement[bool]:
        return sa.and_(AuditEvent.target_type == kind, AuditEvent.target_id.in_(ids))

    def ids_of(model: Any) -> Any:
        return sa.select(sa.cast(model.id, sa.String)).where(model.employee_id == person)

    about = sa.or_(
        AuditEvent.actor_id == person,
        theirs("employee", [str(person)]),
        theirs("activity", ids_of(Activity)),
        theirs("redemption", ids_of(Redemption)),
        theirs("api_token", [str(i) for i in e.token_ids]),
    )
    rows = e.session.execute(
        sa.select(
            AuditEvent.id, AuditEvent.actor_id, AuditEvent.actor_label, AuditEvent.ip,
            AuditEvent.detail, sa.case((about, True), else_=False).label("about"),
        ).where(
            sa.or_(about, e.mentioning(AuditEvent.actor_label), e.mentioning(AuditEvent.detail))
        )
    ).all()  # fmt: skip
    changed = []
    for row in rows:
        by_them = row.actor_id == person
        values = {
            "id": row.id,
            "actor_label": (e.about if by_them else e.shared).text(row.actor_label),
            "ip": None if by_them else row.ip,
            "detail": (e.typed if row.about else e.shared).json(row.detail),
        }
        if _differs(values, row):
            changed.append(values)
    _redact(e, "audit_log", changed)
    if changed:
        e.session.execute(sa.update(AuditEvent), changed)


def employee_row(e: Erasing) -> None:
    """Last: the row keeps its id, public id (the report key), department, office, country,
    cost centre and grade, so figures by department and coverage stay as they were; it loses
    every personal field, is switched off and marked erased."""
    person = e.employee
    person.name = erased_name(e.ids.key)
    person.email = erased_email(e.ids.key)
    person.employee_number = None
    person.sso_subject = None
    person.scim_external_id = None
    person.given_name = None
    person.family_name = None
    person.name_derived = False
    person.manager_id = None
    person.leaderboard_opt_in = False
    person.erasure_due_at = None
    apply_active(person, False, e.now)
    person.session_version += 1
    person.erased_at = e.now
    e.session.flush()


#: in order; ``employee_row`` stays last, so a failure anywhere leaves the row untouched.
STEPS = (
    access, evidence, trips, redemptions, imports, requests, adjustments, ledger, audit_log,
    employee_row,
)  # fmt: skip
