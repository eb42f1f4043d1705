"""Backup and restore with PostgreSQL's own tools, as the README tells operators: pg_dump -Fc,
pg_restore into a fresh database, and the ESG workbook built from the restored database holds
the same figures, cell for cell. A PostgreSQL procedure (SQLite is copied with
``sqlite3 .backup``), on a throwaway cluster whose tools match its server."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from corp_carbon.db import migrate
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.services.reports.gathering import ReportRequest
from corp_carbon.services.reports.workbook import write_report
from tests.conftest import make_settings
from tests.pg_cluster import Cluster
from tests.report_fixture import PERIOD, seed_workbook

#: the workbook's "generated at": the same for both builds, so every other cell must agree.
NOW = datetime(2027, 1, 15, 9, 30, tzinfo=UTC)

pytestmark = pytest.mark.slow


def _workbook(db_url: str, tmp_path: Path, name: str) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The ESG workbook of the fixture's period (with a methodology comparison), as values."""
    settings = make_settings(db_url, tmp_path)
    engine = make_engine(db_url)
    path = tmp_path / f"{name}.xlsx"
    try:
        request = ReportRequest(*PERIOD, factor_sets=("desnz-2025", "epa-2025"))
        with path.open("wb") as target:
            uow = UnitOfWork(make_session_factory(engine))
            write_report(uow, settings, request, target, "xlsx", now=NOW)
    finally:
        engine.dispose()
    book = load_workbook(path, read_only=True)
    try:
        return [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book]
    finally:
        book.close()


def _tool(cluster: Cluster, name: str, *args: str) -> None:
    connection = ["-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres"]
    done = subprocess.run(
        [str(cluster.binaries / name), *connection, *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_pg_dump_and_pg_restore_give_the_same_report(
    pg_cluster: Cluster, cluster_db: str, tmp_path: Path
) -> None:
    source = pg_cluster.url(cluster_db)
    engine = make_engine(source)
    try:
        seed_workbook(UnitOfWork(make_session_factory(engine)))
    finally:
        engine.dispose()
    before = _workbook(source, tmp_path, "before")

    dump = tmp_path / "carbon.dump"
    _tool(pg_cluster, "pg_dump", "-Fc", "--file", str(dump), cluster_db)
    fresh = pg_cluster.create_database()
    try:
        _tool(pg_cluster, "pg_restore", "--no-owner", "--exit-on-error", "-d", fresh, str(dump))
        restored = pg_cluster.url(fresh)
        assert migrate.current_revision(restored) == migrate.head_revision(restored)
        after = _workbook(restored, tmp_path, "after")
    finally:
        pg_cluster.drop_database(fresh)

    assert [title for title, _ in after] == [title for title, _ in before]
    assert sum(len(rows) for _, rows in before) > 100
    for (title, rows), (_, restored) in zip(before, after, strict=True):
        assert restored == rows, title
