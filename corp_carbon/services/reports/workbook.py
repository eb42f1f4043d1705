"""The ESG report of a period as an Excel workbook, a CSV of its detail, or JSON.

One read-only transaction (a snapshot on PostgreSQL, so an import running meanwhile cannot
make the sheets disagree): the period's activities stream once from the database, each one
written as a Detail row and added to every breakdown; the aggregate sheets are written
after them. Sheets:

1. Summary  2. Business travel (cat 6)  3. Commuting (cat 7)  4. Avoided and points
5. Methodology  6. Data quality  7. Detail (continued on "Detail (2)", ... past Excel's row
limit)  8. Methodology comparison (with ``--factor-set``).

The programme (4) and data quality (6) figures are read first, each in its own transaction
(``services.reports.programme`` and ``quality``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Literal

from sqlalchemy.orm import Session

from corp_carbon.catalogue import (
    Catalogue,
    catalogue_for,
    load_spend_sets,
)
from corp_carbon.config import Settings
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.workbook import (
    StoredVersion,
    count_activities,
    departments_known,
    newest_version,
    published_sets,
)
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.inventory import Coverage, Inventory, tonnes
from corp_carbon.domain.methodology import Methodology, methodology_from_parameters
from corp_carbon.domain.reporting import ZERO_KG, other_label
from corp_carbon.services.reports import detail as detail_columns
from corp_carbon.services.reports.avoided import scored_under
from corp_carbon.services.reports.disk import disk_errors
from corp_carbon.services.reports.gathering import (
    ReportData,
    ReportRequest,
    check_factor_sets,
    compare,
    coverage,
    previous_period,
    spend_figures,
    stream,
)
from corp_carbon.services.reports.layout import CellValue, Sheet, Styled
from corp_carbon.services.reports.methodology_sheet import methodology_sheet
from corp_carbon.services.reports.programme import points_position, programme_figures
from corp_carbon.services.reports.programme_sheets import programme_sheet, quality_sheet
from corp_carbon.services.reports.quality import connector_words, data_quality
from corp_carbon.services.reports.sheets import (
    business_travel_sheet,
    commuting_sheet,
    comparison_sheet,
    period_text,
)
from corp_carbon.services.reports.summary_sheet import summary_sheet
from corp_carbon.services.reports.xlsx import XlsxReport

#: activities between two progress reports of a background build.
PROGRESS_EVERY = 5_000

OutputFormat = Literal["xlsx", "csv", "json"]
FORMATS: tuple[OutputFormat, ...] = ("xlsx", "csv", "json")
#: the sheets before the detail, in order: (key, tab title).
AGGREGATE_SHEETS = (
    ("summary", "Summary"),
    ("business_travel", "Business travel (cat 6)"),
    ("commuting", "Commuting (cat 7)"),
    ("programme", "Avoided and points"),
    ("methodology", "Methodology"),
    ("data_quality", "Data quality"),
)


@dataclass(frozen=True)
class ReportWritten:
    """What was written, for the one-line summary the CLI prints."""

    format: OutputFormat
    activities: int
    sheets: tuple[str, ...]
    business_travel_kg: Decimal
    commuting_kg: Decimal
    estimate_kg: Decimal

    def summary(self) -> str:
        measured = tonnes(self.business_travel_kg + self.commuting_kg)
        text = (
            f"{self.activities:,} activities, {measured:,.3f} t CO2e measured (category 6: "
            f"{tonnes(self.business_travel_kg):,.3f} t, category 7: "
            f"{tonnes(self.commuting_kg):,.3f} t) + {tonnes(self.estimate_kg):,.3f} t "
            "commuting estimate"
        )
        if self.sheets:
            text += f"; {len(self.sheets)} sheets"
        return text


def write_report(
    uow: UnitOfWork,
    settings: Settings,
    request: ReportRequest,
    target: IO[bytes],
    output: OutputFormat = "xlsx",
    *,
    json_detail: bool = False,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReportWritten:
    """Writes the report of ``request`` to ``target``; reads only.

    ``progress(done, total)`` is called as the activities stream (every
    ``PROGRESS_EVERY`` rows, and at the end), for a background build to show.

    Raises UnknownFactorSet for a factor set not in the catalogue and NotFound for a
    department no activity or employee was ever recorded under.
    """
    catalogue = catalogue_for(settings)
    check_factor_sets(request.factor_sets, catalogue)
    programme, problem = None, None
    try:
        programme = programme_figures(uow, settings, request.date_from, request.date_to)
        position = programme.position
    except DomainError as exc:  # the avoided emissions cannot be computed; the rest can
        problem = exc.message
        position = points_position(uow, settings, request.date_from, request.date_to)
    quality = data_quality(uow, request.date_from, request.date_to)
    with uow:
        session = uow.session
        _snapshot(session)
        _check_department(session, request.department)
        version = newest_version(session)
        data = ReportData(
            request=request,
            organisation=settings.app.company_name,
            generated_at=(now or datetime.now(UTC)).replace(microsecond=0),
            min_group_size=settings.privacy.min_group_size,
            version=version,
            methodology=_readable(version),
            current=Inventory.empty(),
            coverage=Coverage(0, 0, ZERO_KG),
            programme=programme,
            position=position,
            avoided_problem=problem,
            quality=quality,
        )
        spend: dict[int, Decimal] = {}
        values = detail_columns.DetailValues(connector_words)

        total = count_activities(session, request.scope) if progress else 0

        def rows() -> Iterator[tuple[object, ...]]:
            done = 0
            for row in stream(session, settings, request.scope, data.current):
                done += 1
                if progress is not None and done % PROGRESS_EVERY == 0:
                    progress(done, max(total, done))
                if request.factor_sets:
                    kg = spend_figures(row)
                    if kg is not None:
                        spend[row.activity_id] = kg
                yield values(row)

            if progress is not None:
                progress(done, done)

        def complete() -> None:
            _complete(session, settings, catalogue, data, spend)

        with disk_errors():
            if output == "xlsx":
                sheets = _xlsx(data, rows(), complete, catalogue, settings, target)
            elif output == "csv":
                sheets = ()
                _csv(rows(), target)
                complete()
            else:
                sheets = ()
                _json(data, rows(), complete, catalogue, settings, target, json_detail)
    return ReportWritten(
        output,
        data.activities,
        sheets,
        data.current.business_travel.kg_co2e,
        data.current.commuting.kg_co2e,
        data.coverage.extrapolated_kg,
    )


def _readable(version: StoredVersion | None) -> Methodology | None:
    """The stored version's policy; None when it cannot be read back (the Methodology sheet
    says so, and a comparison is refused: ``avoided.scored_under``)."""
    if version is None:
        return None
    try:
        return methodology_from_parameters(version.version, version.parameters)
    except (KeyError, ValueError, TypeError):
        return None


def _snapshot(session: Session) -> None:
    """Every query of the report sees the same committed data (PostgreSQL; SQLite's read
    transaction is a snapshot already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _check_department(session: Session, department: str | None) -> None:
    if department is None:
        return
    known = departments_known(session)
    if department not in known:
        listed = ", ".join(known) if known else "none recorded yet"
        raise NotFound(
            f"--department {department!r}: no activity was recorded under this department "
            f"(known: {listed})"
        )


def _complete(
    session: Session,
    settings: Settings,
    catalogue: Catalogue,
    data: ReportData,
    spend: dict[int, Decimal],
) -> None:
    """What needs the whole period first: coverage, the previous period, the comparison."""
    request = data.request
    data.coverage = coverage(session, request.scope, data.current)
    previous = previous_period(session, settings, request)
    if previous is not None:
        data.previous, data.previous_coverage = previous
    if request.factor_sets:
        methodology = scored_under(session, settings)
        data.comparison = compare(session, settings, request, methodology, data.current, spend)
    used = {set_id for set_id, _ in data.current.factors}
    data.published = published_sets(session, used)
    data.spend_sets = {k: v for k, v in load_spend_sets().items() if k in used}


def about(data: ReportData, catalogue: Catalogue) -> list[tuple[str, CellValue]]:
    """The Summary's first block: who, when, which sets and rules."""
    used = sorted({set_id for set_id, _ in data.current.factors})
    m = data.methodology
    rows: list[tuple[str, CellValue]] = [
        ("Organisation", data.organisation),
        ("Period", period_text(data)),
        ("Previous period (compared)", _previous_text(data)),
        ("Department", data.request.department or "All departments"),
        ("Factor sets of the reported figures", ", ".join(_set_text(s, catalogue) for s in used)
         or "none: nothing assessed in the period"),
        ("Methodology version", _version_text(data)),
        ("Radiative forcing (flights)",
         ("included" if m.radiative_forcing else "not included") if m else "-"),
        ("Small groups", f"groups of fewer than {data.min_group_size} employees are merged "
                         f"into {other_label(data.min_group_size)!r} in every table"),
        ("Generated (UTC)", data.generated_at.replace(tzinfo=None)),
    ]  # fmt: skip
    if data.request.factor_sets:
        rows.insert(5, ("Factor sets compared (last sheet)", ", ".join(data.request.factor_sets)))
    return rows


def _version_text(data: ReportData) -> CellValue:
    return Styled(data.version.version, "int") if data.version else "none stored"


def _previous_text(data: ReportData) -> str:
    previous = data.request.previous
    text = f"{previous.date_from.isoformat()} to {previous.date_to.isoformat()}"
    return text if data.previous is not None else f"{text}: no activities to compare"


def _set_text(set_id: str, catalogue: Catalogue) -> str:
    fs = catalogue.factor_sets.get(set_id)
    return f"{set_id} ({fs.publisher}, {fs.year})" if fs else set_id


def _sheets(data: ReportData, catalogue: Catalogue, settings: Settings) -> dict[str, Sheet]:
    period, department = period_text(data), data.request.department
    assert data.position is not None
    assert data.quality is not None
    return {
        "summary": summary_sheet(data, about(data, catalogue)),
        "business_travel": business_travel_sheet(data),
        "commuting": commuting_sheet(data),
        "programme": programme_sheet(
            data.position, data.programme, data.avoided_problem, period, department
        ),
        "methodology": methodology_sheet(data, catalogue, settings.imports.default_cabin),
        "data_quality": quality_sheet(data.quality, period, department),
    }


def _set_titles(data: ReportData, catalogue: Catalogue) -> dict[str, str]:
    return {s: f"{fs.title} ({fs.publisher})" for s in data.request.factor_sets
            if (fs := catalogue.factor_sets.get(s)) is not None}  # fmt: skip


def _xlsx(
    data: ReportData,
    rows: Iterator[tuple[object, ...]],
    complete: Callable[[], None],
    catalogue: Catalogue,
    settings: Settings,
    target: IO[bytes],
) -> tuple[str, ...]:
    report = XlsxReport()
    try:
        reserved = {key: report.reserve(title) for key, title in AGGREGATE_SHEETS}
        report.detail(detail_columns.COLUMNS, rows)
        complete()
        for key, sheet in _sheets(data, catalogue, settings).items():
            report.fill(reserved[key], sheet)
        if data.comparison is not None:
            sheet = comparison_sheet(data, _set_titles(data, catalogue))
            report.fill(report.reserve(sheet.title), sheet)
        report.save(target)
    except BaseException:
        report.discard()
        raise
    return tuple(report.sheet_titles)


def _csv(rows: Iterator[tuple[object, ...]], target: IO[bytes]) -> None:
    """UTF-8 with a byte-order mark, so Excel reads accents right."""
    target.write("\ufeff".encode())
    for chunk in detail_columns.csv_lines(rows):
        target.write(chunk.encode("utf-8"))


def _json(
    data: ReportData,
    rows: Iterator[tuple[object, ...]],
    complete: Callable[[], None],
    catalogue: Catalogue,
    settings: Settings,
    target: IO[bytes],
    with_detail: bool,
) -> None:
    """One JSON object: the aggregate sheets as blocks of rows, and with ``with_detail`` the
    detail rows too (streamed first, so they never sit in memory)."""
    r = data.request
    head = {
        "report": "corp-carbon ESG report",
        "organisation": data.organisation,
        "from": r.date_from.isoformat(),
        "to": r.date_to.isoformat(),
        "department": r.department,
        "factor_sets_compared": list(r.factor_sets),
        "min_group_size": data.min_group_size,
        "generated_at": data.generated_at.isoformat(),
    }
    target.write(json.dumps(head, ensure_ascii=False)[:-1].encode())
    if with_detail:
        target.write(b', "detail": [')
        for number, values in enumerate(rows):
            item = dict(zip(detail_columns.FIELDS, map(_json_value, values), strict=True))
            target.write(
                (", " if number else "").encode() + json.dumps(item, ensure_ascii=False).encode()
            )
        target.write(b"]")
    else:
        for _ in rows:
            pass
    complete()
    sheets = list(_sheets(data, catalogue, settings).values())
    if data.comparison is not None:
        sheets.append(comparison_sheet(data, _set_titles(data, catalogue)))
    body = [_sheet_json(s) for s in sheets]
    target.write(b', "sheets": ' + json.dumps(body, ensure_ascii=False).encode() + b"}")


def _sheet_json(sheet: Sheet) -> dict[str, object]:
    return {
        "key": sheet.key,
        "title": sheet.title,
        "heading": sheet.heading,
        "lines": list(sheet.lines),
        "blocks": [
            {
                "key": b.key,
                "title": b.title,
                "columns": [{"title": c.title, "format": c.format} for c in b.columns],
                "rows": [[_json_value(v) for v in row] for row in b.rows],
                "total": [_json_value(v) for v in b.total] if b.total is not None else None,
                "notes": list(b.notes),
            }
            for b in sheet.blocks
        ],
    }


def _json_value(value: object) -> object:
    if isinstance(value, Styled):
        value = value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
