"""Bookings that waited for their employee, imported once the employee exists."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from corp_carbon.catalogue import catalogue_for
from corp_carbon.config import Settings
from corp_carbon.db.models import Employee, ImportRun, MethodologyVersion, PendingRecord
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.db.types import utcnow
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.services.imports.batch_plan import BatchContext
from corp_carbon.services.imports.batches import store_bookings
from corp_carbon.services.imports.record_codec import from_payload
from corp_carbon.services.imports.run import spend_tables
from corp_carbon.services.imports.run_records import lock_source, store_problems
from corp_carbon.services.imports.scoring import ScoringContext, score_batch
from corp_carbon.services.ledger import earnings
from corp_carbon.services.scoring import methodology as methodology_service

log = logging.getLogger("corp_carbon.imports")


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
                lock_source(session, source_id)
                records = [from_payload(item.payload) for item in items]
                ctx = BatchContext(source_id, run_id, methodology)
                outcome = store_bookings(session, ctx, records)
                score_batch(session, scoring, outcome.journeys)
                earnings.reverse_undone(session, outcome.undone)
                store_problems(session, run_id, outcome.problems)
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
