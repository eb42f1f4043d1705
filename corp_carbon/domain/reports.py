"""What a person asks a report for: the period, the factor sets, the scope and the format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from corp_carbon.domain.errors import DomainError

FORMATS = ("xlsx", "csv", "json")
#: a longer period is refused: it is not a reporting period but a typing slip.
MAX_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class ReportOptions:
    date_from: date
    date_to: date
    #: empty: each activity under the methodology's own set; two or more add a comparison.
    factor_sets: tuple[str, ...] = ()
    #: one department (at the time of travel), or None for the whole company.
    department: str | None = None
    format: str = "xlsx"

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise DomainError(f"from {self.date_from}: after to {self.date_to}")
        if (self.date_to - self.date_from).days >= MAX_DAYS:
            raise DomainError(
                f"from {self.date_from} to {self.date_to}: longer than three years; "
                "report one year at a time"
            )
        if self.format not in FORMATS:
            raise DomainError(f"format {self.format!r}: one of {', '.join(FORMATS)}")

    def file_name(self, number: int) -> str:
        """``esg-report-2026-01-01-2026-12-31-7.xlsx``: the period and request number."""
        return f"esg-report-{self.date_from}-{self.date_to}-{number}.{self.format}"

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "factor_sets": list(self.factor_sets),
            "department": self.department,
            "format": self.format,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportOptions:
        return cls(
            date.fromisoformat(data["from"]),
            date.fromisoformat(data["to"]),
            tuple(data.get("factor_sets") or ()),
            data.get("department"),
            data.get("format", "xlsx"),
        )
