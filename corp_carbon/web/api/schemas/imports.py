"""The JSON bodies of the import API: what a push answers and what a run looks like."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from corp_carbon.domain.vocabulary import ImportRunStatus
from corp_carbon.web.api.openapi import ErrorDetail


class RowProblem(BaseModel):
    """A row that was rejected, or stored with a warning."""

    file: str = Field(description="The file's name as uploaded.")
    row: int = Field(description="Row (line) number in the file; the header is row 1.")
    field: str = Field(description="The column (or field) at fault.")
    reason: str
    value: str | None = Field(description="The value at fault, as the file gave it.")
    rejected: bool = Field(description="true: the row was not imported; false: a warning.")


class ImportCounts(BaseModel):
    read: int = Field(description="Segments (or survey answers) read from the file.")
    imported: int
    updated: int
    duplicates: int = Field(description="The same trip already came from another source.")
    cancelled: int
    rejected: int
    waiting: int = Field(description="Waiting for their traveller to appear as an employee.")
    unchanged: int = Field(description="Re-sent exactly as stored: nothing changed.")


class ImportResult(ImportCounts):
    """What one push did."""

    run_id: int | None = Field(description="null for a dry run (nothing is stored).")
    status: ImportRunStatus
    connector: str
    source: str
    file: str
    size: int = Field(description="Bytes.")
    sha256: str
    dry_run: bool
    kg_co2e: float = Field(description="Emissions assessed by this run, kg CO2e.")
    points: int = Field(description="Points credited by this run.")
    seconds: float
    error: str | None = Field(description="Why the run failed; null unless status is failed.")
    errors_total: int = Field(description="Row problems found; `errors` lists the first 100.")
    errors: list[RowProblem]
    url: str | None = Field(description="The run, with every row problem; null for a dry run.")


class ImportRefused(BaseModel):
    """An import that failed: the file could not be read (as a whole) with this connector."""

    error: ErrorDetail
    run: ImportResult


class ImportRunDetail(ImportCounts):
    """An import run with its row problems, a page at a time."""

    run_id: int
    status: ImportRunStatus
    source: str
    connector: str
    file: str
    size: int
    sha256: str
    trigger: str = Field(description="cli, upload, api or schedule.")
    started_by: str = Field(description="An email, token:<name>, cli:<user> or schedule:<id>.")
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    seconds: float | None = Field(description="Duration; null while the run is running.")
    error: str | None
    errors_total: int = Field(description="Row problems stored for the run.")
    rejected_total: int = Field(description="Of which rejected their row (the rest: warnings).")
    errors: list[RowProblem] = Field(description="This page of row problems, in file order.")
    next: str | None = Field(description="The next page of row problems; null on the last.")
