"""Read-only views of import runs, their sources and their row problems, as pages and the API
show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger


@dataclass(frozen=True)
class RunView:
    id: int
    source: str
    connector: str
    file_name: str
    file_size: int
    file_sha256: str
    trigger: ImportTrigger
    #: an email, "token:<name>", "cli:<user>" or "schedule:<source>".
    started_by: str
    dry_run: bool
    status: ImportRunStatus
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    #: rows read, imported, updated … (named as ``services.imports.COUNTS``, in that order).
    counts: dict[str, int]
    #: row problems stored for the run: all of them, and those that rejected a row.
    problems: int = 0
    rejected_problems: int = 0
    #: when ``[privacy] keep_raw_days`` deleted the run's raw data (values, waiting records,
    #: a kept file); None: still held.
    raw_deleted_at: datetime | None = None

    def raw_days(self) -> int | None:
        """How many days after the run its raw data was deleted; None: not deleted."""
        if self.raw_deleted_at is None:
            return None
        return (self.raw_deleted_at - (self.finished_at or self.started_at)).days

    @property
    def seconds(self) -> float | None:
        """How long the run took; None while it runs."""
        if self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())

    @property
    def warnings(self) -> int:
        return self.problems - self.rejected_problems


@dataclass(frozen=True)
class ProblemView:
    """One row the connector or the pipeline could not take as it was."""

    row: int
    field: str
    reason: str
    value: str | None
    #: False for a warning: the row was stored with a default or without figures.
    rejected: bool


@dataclass(frozen=True)
class SourceView:
    id: int
    name: str
    connector: str
    location: str | None
    schedule: str | None
    enabled: bool
    runs: int
    last_run_at: datetime | None
    last_status: ImportRunStatus | None


@dataclass(frozen=True)
class WaitingTraveller:
    """Someone named in imported bookings who is not (yet) an employee: their bookings wait
    and are imported as soon as an employee with this number or email appears."""

    employee_number: str | None
    email: str | None
    source: str
    bookings: int
    since: datetime
