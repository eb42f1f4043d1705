"""A company with a year of data, people who left traces everywhere, and what its reports say.

``build_company`` fills a migrated database with the demo company (a year of trips and
commutes before 15 January, assessed and credited; imports through the real pipeline;
this month's logged commutes, some with a photo; redemptions). ``leave_traces`` then has
chosen people leave their name, email and numbers wherever a person can: an SSO sign-in
(subject, IP address), an API token named after them, an HR adjustment whose reason names
them and whose request key is their email, a reward handed over with a note naming them,
an erasure request (asked themselves, or by HR with a reason naming them), an import run
they uploaded, a row problem quoting their email and a record that waited for them.

``figures`` builds every report of a period (the ESG workbook with a comparison sheet, the
CSV and JSON detail, the summary API's tables, the programme figures) and keeps its numbers;
``text_hits`` searches every text and JSON column of every table for given words.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl
import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import (
    CommuteEvidence,
    Employee,
    ImportRowProblem,
    ImportRun,
    ImportSource,
    LedgerAccount,
    LedgerEntry,
    PendingRecord,
    Reward,
)
from corp_carbon.db.session import SessionFactory, UnitOfWork
from corp_carbon.demo.setup import fill_demo
from corp_carbon.domain.erasure import ErasureChannel
from corp_carbon.domain.identity import Identity
from corp_carbon.domain.people import Actor
from corp_carbon.domain.reporting import parse_dimensions
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger, Role
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.people import erasures, sso_login
from corp_carbon.services.people.employees import add_employee
from corp_carbon.services.people.tokens import create_token
from corp_carbon.services.reports.gathering import ReportRequest
from corp_carbon.services.reports.programme import programme_figures
from corp_carbon.services.reports.summary import period_summary
from corp_carbon.services.reports.workbook import write_report
from corp_carbon.services.rewards import redemptions
from tests.support import OPERATOR

#: the demo's "today": its year of data is the 365 days before, so last year is nearly whole.
DEMO_TODAY = date(2026, 1, 15)
LAST_YEAR = (date(2025, 1, 1), date(2025, 12, 31))
REPORTED_AT = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    number: str


def build_company(factory: SessionFactory, settings: Settings, folder: Path) -> Actor:
    """The demo company of 30, and Hana, an HR officer (who erases): her actor."""
    fill_demo(
        factory, settings, seed=2026, employees=30, exports=folder / "exports", today=DEMO_TODAY
    )
    hana = add_employee(
        UnitOfWork(factory), OPERATOR, email="hana.hr@example.com", name="Hana Haraldsdóttir",
        roles=("hr",),
    )  # fmt: skip
    return Actor(label=hana.email, employee_id=hana.id, ip="192.0.2.10")


def choose(factory: SessionFactory, count: int) -> list[Person]:
    """``count`` people, those who sent an evidence photo first, whose name and email are
    no part of anyone else's (so a search for them finds only them)."""
    with UnitOfWork(factory) as uow:
        people = uow.session.execute(
            sa.select(Employee.id, Employee.name, Employee.email, Employee.employee_number)
        ).all()
        with_photo = set(uow.session.scalars(sa.select(CommuteEvidence.employee_id)))
    chosen: list[Person] = []
    for row in sorted(people, key=lambda p: (p.id not in with_photo, p.id)):
        others = [f"{p.name} {p.email}".lower() for p in people if p.id != row.id]
        if row.employee_number and not any(
            row.name.lower() in text or row.email in text for text in others
        ):
            chosen.append(Person(row.id, row.name, row.email, row.employee_number))
    return chosen[:count]


def leave_traces(
    factory: SessionFactory, settings: Settings, hr: Actor, people: list[Person]
) -> None:
    """Each person leaves their name, email and numbers in every place a person can."""
    uow = UnitOfWork(factory)
    with uow:
        reward = uow.session.scalars(
            sa.select(Reward).where(Reward.active.is_(True)).order_by(Reward.cost_points)
        ).first()
        assert reward is not None
        reward_id, cost = reward.id, reward.cost_points
        source = uow.session.scalars(sa.select(ImportSource).order_by(ImportSource.id)).first()
        assert source is not None
        source_id = source.id
    for n, p in enumerate(people):
        identity = Identity(
            subject=f"idp|{p.number}", email=p.email, email_verified=True, name=p.name,
            employee_number=p.number, department=None, cost_centre=None, office=None,
            groups=(), groups_sent=False,
        )  # fmt: skip
        sso_login.sign_in(uow, settings, identity, ip=f"198.51.100.{n + 1}")
        create_token(uow, OPERATOR, employee=p.email, role=Role.EMPLOYEE, name=f"{p.name}'s laptop")
        adjustments.adjust(
            uow, hr, employee=p.email, points=cost, reason=f"Thanks to {p.name} for the bike week",
            request_key=p.email,
        )  # fmt: skip
        held = redemptions.request_redemption(
            uow, hr, employee_id=p.id, reward_id=reward_id, request_key=f"gift-{p.email}"
        ).redemption
        if held.status.value == "requested":
            redemptions.approve(uow, hr, held.id)
        redemptions.fulfil(uow, hr, held.id, note=f"Handed to {p.name} ({p.number}) in Berlin")
        if n % 2:
            erasures.request_erasure(
                uow, settings, Actor(label=p.email, employee_id=p.id), p.id,
                reason="I asked on my My data page", channel=ErasureChannel.EMPLOYEE,
            )  # fmt: skip
        else:
            erasures.request_erasure(uow, settings, hr, p.id, reason=f"{p.name} asked by email")
        _import_traces(uow, source_id, p)


def _import_traces(uow: UnitOfWork, source_id: int, p: Person) -> None:
    """A run they uploaded, a problem quoting their email, a record that waited for them."""
    add_run(
        uow, source_id, file_name=f"bookings {p.name}.csv", started_by=p.email,
        finished_at=datetime(2025, 6, 1, tzinfo=UTC), name=p.name, email=p.email,
        number=p.number, reason=f"no employee with the email {p.email.upper()}", resolved=True,
    )  # fmt: skip


def add_run(
    uow: UnitOfWork,
    source_id: int,
    *,
    file_name: str,
    started_by: str,
    finished_at: datetime,
    name: str,
    email: str,
    number: str | None = None,
    sha256: str = "0" * 64,
    reason: str = "no employee with this email",
    resolved: bool = False,
) -> int:
    """A finished run with raw data about a traveller: a rejected row quoting their email, a
    warning quoting a date, and their booking that waited for them (``resolved``: it was
    imported once they had an employee record, as the replay does); its id."""
    with uow:
        run = ImportRun(
            source_id=source_id, connector="navan", file_name=file_name, file_size=100,
            file_sha256=sha256, trigger=ImportTrigger.UPLOAD, started_by=started_by,
            status=ImportRunStatus.COMPLETED_WITH_ERRORS, rows_read=3, imported=1, rejected=1,
            waiting=1, started_at=finished_at, finished_at=finished_at,
        )  # fmt: skip
        uow.session.add(run)
        uow.session.flush()
        uow.session.add_all(
            [
                ImportRowProblem(
                    run_id=run.id, row_number=2, field="passengers.person.email",
                    reason=reason, value=email.upper(),
                ),
                ImportRowProblem(
                    run_id=run.id, row_number=3, field="startDate", reason="not a valid date",
                    value="2025-06-31", rejected=False,
                ),
                PendingRecord(
                    source_id=source_id, source_record_key=f"{file_name}:1", run_id=run.id,
                    employee_number=number, email=email,
                    payload={"traveller": {"name": name, "email": email}},
                    resolved_at=finished_at + timedelta(hours=1) if resolved else None,
                ),
            ]
        )  # fmt: skip
        run_id = run.id
        uow.commit()
    return run_id


# --- the figures -----------------------------------------------------------------------------


def figures(factory: SessionFactory, settings: Settings) -> dict[str, Any]:
    """Every number of every report of last year, and the ledger's balances."""
    first, last = LAST_YEAR
    built: dict[str, Any] = {}
    for output, sets in (("xlsx", ("desnz-2025",)), ("csv", ()), ("json", ())):
        target = io.BytesIO()
        write_report(
            UnitOfWork(factory), settings, ReportRequest(first, last, None, sets), target,
            output, json_detail=True, now=REPORTED_AT,
        )  # fmt: skip
        built[output] = target.getvalue()
    k = settings.privacy.min_group_size
    summaries = {
        by: _numbers(period_summary(UnitOfWork(factory), first, last, parse_dimensions(by), min_group_size=k))
        for by in ("department", "mode", "office,month", "category,department", "haul_cabin")
    }  # fmt: skip
    detail = list(csv.DictReader(io.StringIO(built["csv"].decode("utf-8-sig"))))
    programme = programme_figures(UnitOfWork(factory), settings, first, last)
    with UnitOfWork(factory) as uow:
        balances = dict(
            uow.session.execute(
                sa.select(LedgerAccount.code, sa.func.sum(LedgerEntry.amount))
                .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
                .group_by(LedgerAccount.code)
            ).all()
        )
    return {
        "workbook": _workbook_numbers(built["xlsx"]),
        "detail": [(row["Employee key (pseudonymous)"], *_numbers(row)) for row in detail],
        "kg": sum(Decimal(r["Emissions (kg CO2e)"] or 0) for r in detail),
        "points": sum(int(r["Points"] or 0) for r in detail),
        "json": _numbers(json.loads(built["json"])),
        "summaries": summaries,
        "programme": _numbers(programme),
        "balances": balances,
    }


def _workbook_numbers(data: bytes) -> dict[tuple[str, int, int], float]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return {
            (sheet.title, r, c): value
            for sheet in book.worksheets
            for r, row in enumerate(sheet.iter_rows(values_only=True))
            for c, value in enumerate(row)
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
    finally:
        book.close()


def _numbers(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every number in a value (dataclasses, dicts, lists; numeric strings too), by path."""
    if hasattr(value, "__dataclass_fields__"):
        value = {name: getattr(value, name) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _numbers(v, f"{path}/{k}")]
    if isinstance(value, list | tuple):
        return [n for i, v in enumerate(value) for n in _numbers(v, f"{path}/{i}")]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float | Decimal):
        return [(path, str(value))]
    if isinstance(value, str):
        try:
            return [(path, str(Decimal(value)))] if value.strip() else []
        except InvalidOperation:
            return []
    return []


# --- searching every text column --------------------------------------------------------------


def text_values(engine: sa.Engine) -> Iterator[tuple[str, str, str]]:
    """(table, column, text) of every String, Text and JSON value in the database (JSON as
    its text with letters unescaped, so a name is found however the database stored it)."""
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        for table in meta.sorted_tables:
            columns = [
                c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)
            ]
            if not columns:
                continue
            for row in connection.execute(sa.select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    yield table.name, column.name, _as_text(value)


def _as_text(value: Any) -> str:
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    try:
        return json.dumps(json.loads(value), ensure_ascii=False) + "\n" + value
    except ValueError:
        return value


def text_hits(
    engine: sa.Engine, words: Iterable[str], numbers: Iterable[str] = ()
) -> list[tuple[str, str, str]]:
    """Every (table, column, word) where a text value holds one of ``words`` anywhere, or
    one of ``numbers`` as a whole word (E1001 is not in E10012), in any case."""
    patterns = [(w, re.compile(re.escape(w), re.IGNORECASE)) for w in words]
    patterns += [(n, re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE)) for n in numbers]
    hits = set()
    for table, column, text in text_values(engine):
        for word, pattern in patterns:
            if pattern.search(text):
                hits.add((table, column, word))
    return sorted(hits)
