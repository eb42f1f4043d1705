"""The Detail sheet's columns and one activity's values, and the CSV file that carries the
detail whole.

A row names the employee only by the pseudonymous key (never a name, email or number); the
department and office are those at the time of travel, as stored on the activity. Codes are
shown as words ("Flight", "Economy", "Given by the source").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal

from corp_carbon.domain.inventory import METHOD_LABELS, DetailRow
from corp_carbon.domain.spreadsheet_safety import safe_cell
from corp_carbon.domain.vocabulary import ActivityKind, DistanceSource, label
from corp_carbon.services.reports.layout import Column

CATEGORY_NUMBER = {ActivityKind.BUSINESS_TRAVEL: 6, ActivityKind.COMMUTE: 7}
DISTANCE_SOURCES = {
    DistanceSource.GIVEN: "Given by the source",
    DistanceSource.COMPUTED: "Computed (great circle)",
    DistanceSource.ESTIMATED: "Estimated (great circle x detour)",
    DistanceSource.DECLARED: "Declared by the employee",
}
METHODS = dict(METHOD_LABELS)

COLUMNS: tuple[Column, ...] = (
    Column("Activity ID", "id", 11),
    Column("Employee key (pseudonymous)", "text", 23),
    Column("Department (at the time)", "text", 22),
    Column("Office (at the time)", "text", 18),
    Column("Date", "date", 11),
    Column("Scope 3 category", "int", 9),
    Column("Kind", "text", 16),
    Column("Mode", "text", 12),
    Column("Origin", "text", 18),
    Column("Destination", "text", 18),
    Column("Distance (km)", "km", 12),
    Column("Distance source", "text", 24),
    Column("Cabin", "text", 16),
    Column("Room-nights", "int", 8),
    Column("Occupants", "int", 9),
    Column("Calculation method", "text", 22),
    Column("Spend amount", "money", 12),
    Column("Spend currency", "text", 9),
    Column("Factor set", "text", 20),
    Column("Factor ID", "text", 20),
    Column("Emissions (kg CO2e)", "kg", 14),
    Column("Baseline", "text", 16),
    Column("Baseline (kg CO2e)", "kg", 14),
    Column("Avoided (kg CO2e)", "kg", 14),
    Column("Points", "int", 10),
    Column("Status", "text", 11),
    Column("Verification", "text", 17),
    Column("Source connector", "text", 24),
    Column("Import run", "id", 10),
)
#: the JSON and CSV names of the columns, in the same order.
FIELDS = (
    "activity_id", "employee_key", "department", "office", "date", "scope3_category", "kind",
    "mode", "origin", "destination", "distance_km", "distance_source", "cabin", "nights",
    "occupants", "method", "spend_amount", "spend_currency", "factor_set", "factor_id",
    "kg_co2e", "baseline", "baseline_kg_co2e", "avoided_kg_co2e", "points", "status",
    "verification", "source_connector", "import_run",
)  # fmt: skip


class DetailValues:
    """Turns detail rows into cell values; labels are looked up once per distinct code."""

    def __init__(self, connector_words: Callable[[str], str] = str) -> None:
        self._labels: dict[object, str] = {}
        self._connector_words = connector_words
        self._connectors: dict[str, str] = {}

    def _label(self, code: object) -> str | None:
        if code is None:
            return None
        text = self._labels.get(code)
        if text is None:
            text = self._labels[code] = label(code)
        return text

    def connector(self, name: str | None) -> str | None:
        if name is None:
            return None
        words = self._connectors.get(name)
        if words is None:
            words = self._connectors[name] = self._connector_words(name)
        return words

    def __call__(self, r: DetailRow) -> tuple[object, ...]:
        lab = self._label
        return (
            r.activity_id, r.employee_key, r.department, r.office, r.travel_date,
            CATEGORY_NUMBER[r.kind], lab(r.kind), lab(r.mode), r.origin, r.destination,
            r.distance_km, DISTANCE_SOURCES.get(r.distance_source) if r.distance_source else None,
            lab(r.cabin), r.nights, r.occupants, METHODS[r.method], r.spend_amount,
            r.spend_currency, r.factor_set, r.factor_id, r.kg_co2e, lab(r.baseline),
            r.baseline_kg_co2e, r.avoided_kg_co2e, r.points, lab(r.status),
            lab(r.verification), self.connector(r.connector), r.import_run,
        )  # fmt: skip


def csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return safe_cell(str(value))


def csv_lines(rows: Iterable[tuple[object, ...]], *, chunk: int = 2000) -> Iterator[str]:
    """The detail as CSV text in chunks: a header with units, then one line per activity.
    Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.title for c in COLUMNS])
    pending = 0
    for values in rows:
        writer.writerow([csv_text(v) for v in values])
        pending += 1
        if pending >= chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)
            pending = 0
    yield buffer.getvalue()
