"""One import run: a file through a connector into activities, points and a run record.

The CLI (``corp-carbon import``), the push API and the scheduler all call ``run_import``.
The file is streamed in batches of ``imports.batch_size`` segments; each batch is one
transaction (activities, assessments, ledger postings, row problems and the run's counters
together), so a crash or a kill leaves whole batches only. Running the same file again
completes it: what was stored is recognised by its source key and counted as unchanged.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from connectors import REGISTRY, UnknownConnector, connector_class
from connectors.base import Connector
from connectors.reading import UnreadableFile
from corp_carbon.catalogue import Catalogue, catalogue_for, load_spend_sets
from corp_carbon.catalogue.files import SpendDataError
from corp_carbon.catalogue.rates import rate_provider
from corp_carbon.config import Settings
from corp_carbon.db.models import ImportRun, MethodologyVersion
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bookings import BookingRecord, CommuteResponse, Record, RowProblem
from corp_carbon.domain.currency import RateProvider
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.spend import SpendFactorSet
from corp_carbon.domain.vocabulary import ImportRunStatus
from corp_carbon.services import outage
from corp_carbon.services.imports import commutes as commute_imports
from corp_carbon.services.imports import interruptions
from corp_carbon.services.imports.batch_plan import BatchContext, BatchOutcome
from corp_carbon.services.imports.batches import store_bookings
from corp_carbon.services.imports.cells import fitting
from corp_carbon.services.imports.intake import check_fit, connector_options, fingerprint
from corp_carbon.services.imports.run_records import (
    lock_source,
    open_run,
    store_problems,
)
from corp_carbon.services.imports.scoring import ScoringContext, score_batch
from corp_carbon.services.imports.values import (
    COUNTS,
    ImportFailed,
    ImportRequest,
    Problem,
    RunReport,
)
from corp_carbon.services.ledger import earnings
from corp_carbon.services.scoring import methodology as methodology_service

log = logging.getLogger("corp_carbon.imports")


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
            run = open_run(uow.session, request, report.file_sha256, report.file_size)
            scoring = _scoring(uow.session, settings, catalogue, methodology)
            target = _Target(run.id, run.source_id, committed=False)
            _read(uow, settings, request, report, scoring, target, connector, progress)
    else:
        interruptions.sweep(uow, settings)  # runs an earlier outage left running
        methodology = methodology_service.ensure_current(uow, settings)
        with uow:
            begin_write(uow.session)
            run = open_run(uow.session, request, report.file_sha256, report.file_size)
            scoring = _scoring(uow.session, settings, catalogue, methodology)
            uow.commit()
            report.run_id = run.id
            target = _Target(run.id, run.source_id, committed=True)
        try:
            _read(uow, settings, request, report, scoring, target, connector, progress)
            _finish(uow, report, started)
        except Exception as exc:
            if not outage.is_outage(exc):
                raise
            raise interruptions.interrupted(
                uow, settings, run.id, report.file_sha256, report.last_row
            ) from exc
        return report
    _finish(uow, report, started)
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
    months = settings.imports.commute_months
    try:
        records = fitting(connector.extract(request.path), connector.columns_read())
        for batch in _Batches(records, settings.imports.batch_size):
            if target.committed:
                with uow:
                    begin_write(uow.session)
                    stored = _one_batch(uow.session, scoring, batch, target, months)
                    uow.commit()
            else:
                with uow.session.begin_nested():  # a failing batch undoes itself alone
                    stored = _one_batch(uow.session, scoring, batch, target, months)
            _tally(report, request, stored)
            report.last_row = max(r.row for r in batch)
            if progress is not None:
                progress(max(r.row for r in batch))
    except (UnreadableFile, ValueError) as exc:
        report.error = str(exc)
    except Exception as exc:
        if outage.is_outage(exc):
            raise  # not the file's fault: the caller records where the run stopped
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
            run = open_run(uow.session, request, report.file_sha256, report.file_size)
            run.status, run.error, run.finished_at = ImportRunStatus.FAILED, error, utcnow()
            uow.commit()
            report.run_id = run.id
    log.warning("import of %s failed: %s", request.file_name, error)
    return report


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
    lock_source(session, target.source_id)
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
            employee_ids=sorted(scored.capped_owners),
        )
        scored.points += capped_points
    found = problems + outcome.problems + scored.problems
    counts = outcome.counts
    repeats = sum(1 for p in problems if p.repeat_of is not None)
    counts["duplicates"] += repeats  # a segment repeated in its booking: read, counted once
    counts["rejected"] += sum(1 for p in problems if p.rejected)
    counts["read"] += sum(len(b.segments) for b in bookings) + len(responses) + repeats
    counts["read"] += sum(1 for p in problems if p.rejected)
    store_problems(session, run_id, found)
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


def _finish(uow: UnitOfWork, report: RunReport, started: float) -> None:
    report.seconds = time.perf_counter() - started
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


@contextmanager
def heap_frozen(settings: Settings) -> Iterator[None]:
    """For a process that imports and exits (the CLI, the benchmark): the catalogue is loaded,
    then everything alive is frozen, so the collector does not walk it again and again during
    the run. Never in a long-lived process (a web worker): a frozen heap is never collected."""
    catalogue_for(settings)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
