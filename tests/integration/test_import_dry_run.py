"""A dry run predicts the real run exactly and leaves the database as it was (issue 10, part 5).

The dry run reads the file batch after batch in one transaction rolled back at the end, so
each batch sees the ones before it, as the real run's committed batches do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.base import Base
from corp_carbon.db.session import UnitOfWork
from corp_carbon.services.imports.values import RunReport
from tests.conftest import make_settings
from tests.integration.test_import_golden import SAMPLES
from tests.integration.test_import_pipeline import CONCUR, NAVAN, _people, _run


def _seen(report: RunReport) -> dict[str, Any]:
    """What a user is told about a run."""
    return {
        "counts": {k: v for k, v in sorted(report.counts.items()) if v},
        "problems": [p.to_json() for p in report.problems],
        "points": report.points,
        "kg_co2e": report.kg_co2e,
        "status": report.status,
    }


def _predicted_then_done(uow: UnitOfWork, settings: Settings, connector: str, path: Path) -> None:
    dry = _run(uow, settings, connector, path, dry_run=True)
    assert dry.run_id is None
    real = _run(uow, settings, connector, path)
    assert _seen(dry) == _seen(real), f"{connector}: the dry run did not predict the run"


@pytest.mark.parametrize("batch_size", [5000, 1], ids=["one-batch", "a-batch-per-record"])
def test_dry_run_counts_equal_the_real_run_on_every_sample_and_on_a_re_import(
    uow: UnitOfWork, db_url: str, tmp_path: Path, batch_size: int
) -> None:
    """Batches of one record: a booking re-sent later in the file is in another batch."""
    settings = make_settings(db_url, tmp_path, imports={"batch_size": batch_size})
    _people(uow)
    for connector, path in SAMPLES:
        _predicted_then_done(uow, settings, connector, path)
    for connector, path in SAMPLES:  # the same files again: all recognised
        _predicted_then_done(uow, settings, connector, path)


def test_a_booking_re_sent_in_a_later_batch_is_predicted(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    """Navan's sample sends booking 4dae6082 twice (an exchange): with one record per batch
    the copy is in the next batch; the old per-batch rollback counted it as new."""
    settings = make_settings(db_url, tmp_path, imports={"batch_size": 1})
    _people(uow)
    dry = _run(uow, settings, "navan", NAVAN, dry_run=True)
    real = _run(uow, settings, "navan", NAVAN)
    assert dry.counts == real.counts
    assert real.counts["updated"] + real.counts["unchanged"] >= 1


#: PostgreSQL sequences do not roll back; these numbers are shown to users (run 41, 42...).
SHOWN_SEQUENCES = ("import_runs_id_seq", "import_sources_id_seq")


def _everything(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, SQLite's id counters (they roll back) and, on PostgreSQL,
    the sequences behind the numbers users see."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with uow:
        session = uow.session
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = session.execute(sa.select(table).order_by(*order)).all()
            found[table.name] = [tuple(r) for r in rows]
        if session.get_bind().dialect.name == "sqlite":
            exists = session.execute(
                sa.text("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
            ).first()
            if exists:
                found["sqlite_sequence"] = [
                    tuple(r) for r in session.execute(sa.text("SELECT * FROM sqlite_sequence"))
                ]
        else:
            for name in SHOWN_SEQUENCES:
                query = sa.text(f"SELECT last_value, is_called FROM {name}")
                found[name] = [tuple(session.execute(query).one())]
    return found


def test_a_dry_run_leaves_the_database_exactly_as_it_was(
    uow: UnitOfWork, settings: Settings
) -> None:
    _people(uow)
    _run(uow, settings, "concur-itinerary", CONCUR)
    before = _everything(uow)
    for connector, path in SAMPLES:
        report = _run(uow, settings, connector, path, dry_run=True)
        assert report.counts["read"] > 0
    report = _run(uow, settings, "navan", NAVAN, dry_run=True, source="a source not yet made")
    assert report.counts["imported"] > 0
    assert _everything(uow) == before
