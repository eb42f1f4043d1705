"""What an import run is asked (``ImportRequest``) and what it reports (``RunReport``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger

#: the counts every run reports, in this order.
COUNTS = ("read", "imported", "updated", "duplicates", "cancelled", "rejected", "waiting",
          "unchanged")  # fmt: skip


class ImportFailed(DomainError):
    code = "import_failed"
    http_status = 422


@dataclass(frozen=True)
class ImportRequest:
    connector: str
    path: Path
    #: the name to record and show (an upload's original name).
    file_name: str
    trigger: ImportTrigger
    #: who or what started it: an email, a token name, "schedule:<source>".
    started_by: str
    #: the import source (its records are de-duplicated by their keys); default: the connector.
    source: str | None = None
    dry_run: bool = False
    #: the source's column mapping (generic-csv) or connector settings.
    mapping: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Problem:
    file: str
    row: int
    field: str
    reason: str
    value: str | None
    rejected: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "reason": self.reason,
            "value": self.value,
            "rejected": self.rejected,
        }


@dataclass
class RunReport:
    run_id: int | None
    status: ImportRunStatus
    connector: str
    file_name: str
    file_sha256: str
    file_size: int
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    kg_co2e: Decimal = Decimal("0.000")
    points: int = 0
    seconds: float = 0.0
    #: the highest source row of the batches done (committed, in a real run).
    last_row: int = 0

    @property
    def failed(self) -> bool:
        return self.status is ImportRunStatus.FAILED

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status.value,
            "connector": self.connector,
            "file": self.file_name,
            "sha256": self.file_sha256,
            "size": self.file_size,
            **{name: self.counts[name] for name in COUNTS},
            "merged_manual": self.counts["merged_manual"],
            "kg_co2e": str(self.kg_co2e),
            "points": self.points,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "errors": [p.to_json() for p in self.problems],
        }
