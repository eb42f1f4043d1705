"""One import run: a file through a connector into activities, points and a run record.

The CLI (``corp-carbon import``), the push API and the scheduler all call ``run_import``.
The file is streamed in batches of ``imports.batch_size`` segments; each batch is one
transaction (activities, assessments, ledger postings, row problems and the run's counters
together), so a crash or a kill leaves whole batches only. Running the same file again
completes it: what was stored is recognised by its source key and counted as unchanged.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors import REGISTRY, ConnectorOptions, UnknownConnector, connector_class
from connectors.base import Connector
from connectors.reading import UnreadableFile, XlsxGuard, head_of
from corp_carbon.catalogue import Catalogue, catalogue_for, load_spend_sets
from corp_carbon.catalogue.files import SpendDataError
from corp_carbon.catalogue.rates import rate_provider
from corp_carbon.config import Settings
from corp_carbon.db.bulk import insert_rows, table_of
from corp_carbon.db.models import (
    Employee,
    ImportRowProblem,
    ImportRun,
    ImportSource,
    MethodologyVersion,
    PendingRecord,
)
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bookings import BookingRecord, CommuteResponse, Record, RowProblem
from corp_carbon.domain.currency import RateProvider
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.spend import SpendFactorSet
from corp_carbon.domain.vocabulary import Cabin, ImportRunStatus, ImportTrigger
from corp_carbon.services.imports import commutes as commute_imports
from corp_carbon.services.imports.batches import BatchContext, BatchOutcome, store_bookings
from corp_carbon.services.imports.record_codec import from_payload
from corp_carbon.services.imports.scoring import ScoringContext, score_batch
from corp_carbon.services.ledger import earnings
from corp_carbon.services.scoring import methodology as methodology_service

log = logging.getLogger("corp_carbon.imports")

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


def spend_tables(settings: Settings) -> tuple[SpendFactorSet, RateProvider]:
    """The configured spend factor set and exchange rates (refused at start when unknown or
    unreadable). The ECB rates load on the first spend row, not here."""
    sets = load_spend_sets()
    name = settings.imports.spend_factor_set
    if name not in sets:
        where = settings.origin_of("imports", "spend_factor_set")
        raise ImportFailed(
            f"imports.spend_factor_set {name!r} (in {where}): accepted: {', '.join(sorted(sets))}"
        )
    try:
        rates = rate_provider(settings)
    except SpendDataError as exc:
        where = settings.origin_of("imports", "currency_rates_file")
        raise ImportFailed(f"imports.currency_rates_file (in {where}): {exc}") from exc
    return sets[name], rates


def connector_options(settings: Settings, mapping: Mapping[str, Any] | None) -> ConnectorOptions:
    mb = 1024 * 1024
    return ConnectorOptions(
        mapping=dict(mapping or {}),
        default_cabin=Cabin(settings.imports.default_cabin),
        xlsx_guard=XlsxGuard(
            max_uncompressed_bytes=settings.imports.xlsx_max_uncompressed_mb * mb,
            max_ratio=settings.imports.xlsx_max_ratio,
        ),
    )


def fingerprint(path: Path) -> tuple[str, int, int]:
    """SHA-256, size and line count of a file, in one pass."""
    digest = hashlib.sha256()
    size = lines = 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
                lines += chunk.count(b"\n")
    except OSError as exc:
        raise UnreadableFile(f"{path.name}: cannot be read ({exc.strerror})") from None
    return digest.hexdigest(), size, lines


def check_fit(request: ImportRequest, options: ConnectorOptions) -> None:
    """A file for another connector gets one message naming the connector that fits."""
    cls = connector_class(request.connector)
    head = head_of(request.path, options.xlsx_guard)
    head = type(head)(name=request.file_name, text=head.text, header=head.header)
    if cls(options).identify(head):
        return
    fits = []
    for name in REGISTRY:
        if name in (request.connector, "generic-csv"):
            continue
        if connector_class(name)(options).identify(head):
            fits.append(name)
    hint = f"; it looks like a {fits[0]} export: use --connector {fits[0]}" if fits else ""
    raise UnreadableFile(
        f"{request.file_name} does not look like a {request.connector} file "
        f"(expected {cls(options).expected()}){hint}"
    )


def _source(
    session: Session, name: str, connector: str, placeholder: int | None = None
) -> ImportSource:
    """The named source, created on first use (a concurrent first use wins the race)."""
    query = sa.select(ImportSource).where(ImportSource.name == name)
    source = session.scalar(query)
    if source is None:
        try:
            with session.begin_nested():
                source = ImportSource(id=placeholder, name=name, connector=connector)
                session.add(source)
        except IntegrityError:
            source = session.scalars(query).one()
    return source


def _open_run(session: Session, request: ImportRequest, sha: str, size: int) -> ImportRun:
    placeholder = _placeholder_id(session) if request.dry_run else None
    source = _source(session, request.source or request.connector, request.connector, placeholder)
    stale = session.scalars(
        sa.select(ImportRun).where(
            ImportRun.source_id == source.id,
            ImportRun.file_sha256 == sha,
            ImportRun.status == ImportRunStatus.RUNNING,
        )
    ).all()
    run = ImportRun(
        id=placeholder,
        source_id=source.id,
        connector=request.connector,
        file_name=request.file_name[:500],
        file_size=size,
        file_sha256=sha,
        trigger=request.trigger,
        started_by=request.started_by[:320],
        dry_run=request.dry_run,
        status=ImportRunStatus.RUNNING,
    )
    session.add(run)
    session.flush()
    for old in stale:  # a run of the same file that was killed: this run completes it
        old.status = ImportRunStatus.FAILED
        old.error = f"interrupted; run {run.id} repeated the file"
        old.finished_at = utcnow()
    return run


def _placeholder_id(session: Session) -> int | None:
    """The id of a dry run's run (and new source), never committed. PostgreSQL sequences do
    not roll back, so an id drawn from one would make the next real run's number skip; this
    one is below any sequence's range and unique among open sessions. SQLite's ids roll back."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return -int(session.scalar(sa.text("SELECT pg_backend_pid()")) or 1)


class _Batches:
    """Groups a connector's stream into batches of about ``size`` segments."""

    def __init__(self, records: Iterator[Record], size: int) -> None:
        self.records, self.size = records, size

    def __iter__(self) -> Iterator[list[Record]]:
        batch: list[Record] = []
        weight = 0
        for record in self.records:
            batch.append(record)
            weight += len(record.segments) if isinstance(record, BookingRecord) else 1
            if weight >= self.size:
                yield batch
                batch, weight = [], 0
        if batch:
            yield batch


def run_import(
    uow: UnitOfWork,
    settings: Settings,
    request: ImportRequest,
    progress: Callable[[int], None] | None = None,
) -> RunReport:
    """Imports one file; see the module docstring. Never raises for bad input: the report
    says what happened (status FAILED when the file could not be read at all).

    A dry run does exactly what the real run would, batch after batch in one transaction
    that is rolled back at the end: each batch sees the batches before it (a booking re-sent
    later in the file, a re-import of the same file), so its counts are the real run's."""
    started = time.perf_counter()
    if request.connector not in REGISTRY:
        raise UnknownConnector(
            f"unknown connector {request.connector!r}; accepted: {', '.join(REGISTRY)}"
        )
    options = connector_options(settings, request.mapping)
    report = RunReport(None, ImportRunStatus.RUNNING, request.connector, request.file_name, "", 0)
    try:
        report.file_sha256, report.file_size, _ = fingerprint(request.path)
        check_fit(request, options)
        connector = connector_class(request.connector)(options)
    except (UnreadableFile, ValueError) as exc:
        return _fail_early(uow, request, report, str(exc), started)
    catalogue = catalogue_for(settings)
    if request.dry_run:
        with uow:  # never committed: leaving the block rolls every batch back
            begin_write(uow.session)
            methodology = methodology_service.current(uow.session, settings)
            run = _open_run(uow.session, request, report.file_sha256, report.file_size)
            scoring = _scoring(uow.session, settings, catalogue, methodology)
            target = _Target(run.id, run.source_id, committed=False)
            _read(uow, settings, request, report, scoring, target, connector, progress)
    else:
        methodology = methodology_service.ensure_current(uow, settings)
        with uow:
            begin_write(uow.session)
            run = _open_run(uow.session, request, report.file_sha256, report.file_size)
            scoring = _scoring(uow.session, settings, catalogue, methodology)
            uow.commit()
            report.run_id = run.id
            target = _Target(run.id, run.source_id, committed=True)
        _read(uow, settings, request, report, scoring, target, connector, progress)
    report.seconds = time.perf_counter() - started
    _finish(uow, report)
    return report


@dataclass(frozen=True)
class _Target:
    """Where a run's batches go: its run record and source; committed batch by batch, or
    (a dry run) flushed into one open transaction that the caller rolls back."""

    run_id: int
    source_id: int
    committed: bool


def _scoring(
    session: Session, settings: Settings, catalogue: Catalogue, methodology: Methodology
) -> ScoringContext:
    scorer = Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards)
    version_id = session.scalar(
        sa.select(MethodologyVersion.id).where(MethodologyVersion.version == methodology.version)
    )
    assert version_id is not None
    return ScoringContext(scorer, version_id, methodology.version, *spend_tables(settings))


def _read(
    uow: UnitOfWork,
    settings: Settings,
    request: ImportRequest,
    report: RunReport,
    scoring: ScoringContext,
    target: _Target,
    connector: Connector,
    progress: Callable[[int], None] | None,
) -> None:
    """The file's batches, one after the other; an error ends the run after the last good
    batch (a real run keeps the batches committed before it)."""
    # the catalogue, places and scorer live for the whole run: keep the collector off them
    gc.freeze()
    months = settings.imports.commute_months
    try:
        for batch in _Batches(connector.extract(request.path), settings.imports.batch_size):
            if target.committed:
                with uow:
                    begin_write(uow.session)
                    stored = _one_batch(uow.session, scoring, batch, target, months)
                    uow.commit()
            else:
                with uow.session.begin_nested():  # a failing batch undoes itself alone
                    stored = _one_batch(uow.session, scoring, batch, target, months)
            _tally(report, request, stored)
            if progress is not None:
                progress(max(r.row for r in batch))
    except (UnreadableFile, ValueError) as exc:
        report.error = str(exc)
    except Exception as exc:
        log.exception("import run %s failed", report.run_id)
        report.error = f"{type(exc).__name__}: {exc}"


def _fail_early(
    uow: UnitOfWork, request: ImportRequest, report: RunReport, error: str, started: float
) -> RunReport:
    report.error = error
    report.status = ImportRunStatus.FAILED
    report.seconds = time.perf_counter() - started
    if not request.dry_run:
        with uow:
            begin_write(uow.session)
            run = _open_run(uow.session, request, report.file_sha256, report.file_size)
            run.status, run.error, run.finished_at = ImportRunStatus.FAILED, error, utcnow()
            uow.commit()
            report.run_id = run.id
    log.warning("import of %s failed: %s", request.file_name, error)
    return report


def _lock_source(session: Session, source_id: int) -> None:
    """One batch of a source at a time (two runs of one source never interleave a booking);
    on SQLite, the first write takes the database's write lock instead."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"corp-carbon:import-source:{source_id}".encode())
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


@dataclass
class _Stored:
    """What one batch did: its counts, figures and problems."""

    counts: Counter[str]
    points: int
    kg_co2e: Decimal
    problems: list[RowProblem]


def _one_batch(
    session: Session,
    scoring: ScoringContext,
    batch: list[Record],
    target: _Target,
    commute_months: int,
) -> _Stored:
    """One batch in the session's transaction, the run's counters included (flushed only)."""
    problems = [r for r in batch if isinstance(r, RowProblem)]
    bookings = [r for r in batch if isinstance(r, BookingRecord)]
    responses = [r for r in batch if isinstance(r, CommuteResponse)]
    run_id = target.run_id
    _lock_source(session, target.source_id)
    session.execute(  # also takes SQLite's write lock before ids are allocated
        sa.update(ImportRun)
        .where(ImportRun.id == run_id)
        .values(last_committed_row=max(r.row for r in batch))
    )
    ctx = BatchContext(target.source_id, run_id, scoring.scorer.methodology)
    outcome = store_bookings(session, ctx, bookings) if bookings else BatchOutcome()
    if responses:
        commute_imports.store(session, ctx, responses, outcome, commute_months)
    scored = score_batch(session, scoring, outcome.journeys)
    earnings.reverse_undone(session, outcome.undone)
    if scored.capped_path:
        _, capped_points, _ = earnings.credit_assessed(
            session,
            scoring.scorer.methodology,
            scoring.methodology_version_id,
            scored.capped_path,
        )
        scored.points += capped_points
    found = problems + outcome.problems + scored.problems
    counts = outcome.counts
    repeats = sum(1 for p in problems if p.repeat_of is not None)
    counts["duplicates"] += repeats  # a segment repeated in its booking: read, counted once
    counts["rejected"] += sum(1 for p in problems if p.rejected)
    counts["read"] += sum(len(b.segments) for b in bookings) + len(responses) + repeats
    counts["read"] += sum(1 for p in problems if p.rejected)
    _store_problems(session, run_id, found)
    session.execute(
        sa.update(ImportRun)
        .where(ImportRun.id == run_id)
        .values(
            rows_read=ImportRun.rows_read + counts["read"],
            imported=ImportRun.imported + counts["imported"],
            updated=ImportRun.updated + counts["updated"],
            duplicates=ImportRun.duplicates + counts["duplicates"],
            cancelled=ImportRun.cancelled + counts["cancelled"],
            rejected=ImportRun.rejected + counts["rejected"],
            waiting=ImportRun.waiting + counts["waiting"],
            unchanged=ImportRun.unchanged + counts["unchanged"],
        )
    )
    return _Stored(counts, scored.points, scored.kg_co2e, found)


def _tally(report: RunReport, request: ImportRequest, stored: _Stored) -> None:
    report.counts.update(stored.counts)
    report.points += stored.points
    report.kg_co2e += stored.kg_co2e
    report.problems.extend(
        Problem(request.file_name, p.row, p.field, p.reason, p.value, p.rejected)
        for p in stored.problems
    )


def _store_problems(session: Session, run_id: int, problems: list[RowProblem]) -> None:
    insert_rows(
        session,
        table_of(ImportRowProblem),
        [
            {
                "run_id": run_id,
                "row_number": p.row,
                "field": p.field[:100],
                "reason": p.reason[:500],
                "value": None if p.value is None else p.value[:500],
                "rejected": p.rejected,
            }
            for p in problems
        ],
    )


def _finish(uow: UnitOfWork, report: RunReport) -> None:
    if report.error:
        report.status = ImportRunStatus.FAILED
    elif any(p.rejected for p in report.problems):
        report.status = ImportRunStatus.COMPLETED_WITH_ERRORS
    else:
        report.status = ImportRunStatus.SUCCEEDED
    if report.run_id is None:
        return
    with uow:
        begin_write(uow.session)
        run = uow.session.get(ImportRun, report.run_id)
        assert run is not None
        run.status, run.error, run.finished_at = report.status, report.error, utcnow()
        uow.commit()
    log.info(
        "import run %s of %s: %s %s",
        report.run_id,
        report.file_name,
        report.status.value,
        {name: report.counts[name] for name in COUNTS},
    )


def already_imported(uow: UnitOfWork, source: str, sha256: str) -> bool:
    """True when a finished, non-failed run of this source read exactly this content."""
    with uow:
        found = uow.session.scalar(
            sa.select(ImportRun.id)
            .join(ImportSource, ImportSource.id == ImportRun.source_id)
            .where(
                ImportSource.name == source,
                ImportRun.file_sha256 == sha256,
                ImportRun.dry_run.is_(False),
                ImportRun.status.in_(
                    [ImportRunStatus.SUCCEEDED, ImportRunStatus.COMPLETED_WITH_ERRORS]
                ),
            )
            .limit(1)
        )
    return found is not None


def replay_pending(uow: UnitOfWork, settings: Settings, batch_size: int = 1000) -> int:
    """Imports the bookings that waited for their employee, now that the employee exists.
    Returns how many bookings were replayed. Idempotent: a replayed booking is resolved."""
    methodology = methodology_service.ensure_current(uow, settings)
    catalogue = catalogue_for(settings)
    scorer = Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards)
    replayed = 0
    while True:
        with uow:
            session = uow.session
            begin_write(session)
            version_id = session.scalar(
                sa.select(MethodologyVersion.id).where(
                    MethodologyVersion.version == methodology.version
                )
            )
            assert version_id is not None
            pending = session.scalars(
                sa.select(PendingRecord)
                .where(PendingRecord.resolved_at.is_(None), _now_matches())
                .order_by(PendingRecord.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not pending:
                return replayed
            by_run: dict[tuple[int, int], list[PendingRecord]] = {}
            for item in pending:
                by_run.setdefault((item.source_id, item.run_id), []).append(item)
            scoring = ScoringContext(
                scorer, version_id, methodology.version, *spend_tables(settings)
            )
            for (source_id, run_id), items in by_run.items():
                _lock_source(session, source_id)
                records = [from_payload(item.payload) for item in items]
                ctx = BatchContext(source_id, run_id, methodology)
                outcome = store_bookings(session, ctx, records)
                score_batch(session, scoring, outcome.journeys)
                earnings.reverse_undone(session, outcome.undone)
                _store_problems(session, run_id, outcome.problems)
                counts = outcome.counts
                session.execute(
                    sa.update(ImportRun)
                    .where(ImportRun.id == run_id)
                    .values(
                        waiting=ImportRun.waiting - sum(len(r.segments) for r in records),
                        imported=ImportRun.imported + counts["imported"],
                        updated=ImportRun.updated + counts["updated"],
                        duplicates=ImportRun.duplicates + counts["duplicates"],
                        cancelled=ImportRun.cancelled + counts["cancelled"],
                        rejected=ImportRun.rejected + counts["rejected"],
                    )
                )
                now = utcnow()
                for item in items:
                    item.resolved_at = now
                replayed += len(items)
            uow.commit()
        log.info("replayed %d bookings that waited for their employee", replayed)


def _now_matches() -> sa.ColumnElement[bool]:
    """A waiting booking whose traveller now matches an employee by number or email."""
    return sa.or_(
        sa.exists().where(
            Employee.employee_number.is_not(None),
            Employee.employee_number == PendingRecord.employee_number,
        ),
        sa.exists().where(Employee.email == PendingRecord.email),
    )
