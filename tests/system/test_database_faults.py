"""PostgreSQL stopped for real (a throwaway cluster, never the shared server) while the CLI
imports a file: one clear line, exit status 75, whole batches only and a balanced ledger;
once the server is back the run is marked failed from the note the process left, and the
file imported again gives the totals of one clean import."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from corp_carbon import create_app
from corp_carbon.cli import EXIT_DATABASE_UNAVAILABLE
from corp_carbon.cli.imports import imports
from corp_carbon.db.models import ImportRun
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest
from corp_carbon.web.state import EXTENSION_KEY
from tests.conftest import make_settings
from tests.navan_fixture import (
    add_travellers,
    assessed_points,
    cli_env,
    committed_rows,
    navan_file,
    run_cli,
    totals,
)
from tests.pg_cluster import Cluster

ROWS = 1200
BATCH = 50
#: in the URL the processes get; trust authentication ignores it, and no output may show it.
SECRET = "pa55-never-shown"

pytestmark = pytest.mark.slow


def _env(db_url: str, instance: Path) -> dict[str, str]:
    return cli_env(db_url, instance, BATCH, CORP_CARBON_DATABASE_CONNECT_TIMEOUT="3")


def _clean_totals(cluster: Cluster, export: Path, instance: Path) -> dict[str, object]:
    """The totals of one uninterrupted import of ``export`` (in this process, as the CLI
    would: shipped settings, the same batches), in a database of its own."""
    name = cluster.create_database(template="cc_template")
    try:
        url = cluster.url(name)
        add_travellers(url)
        settings = make_settings(url, instance, shipped=True, imports={"batch_size": BATCH})
        engine = make_engine(url)
        try:
            request = ImportRequest("navan", export, export.name, ImportTrigger.CLI, "test")
            report = run_import(UnitOfWork(make_session_factory(engine)), settings, request)
        finally:
            engine.dispose()
        assert report.status is ImportRunStatus.SUCCEEDED, report.error
        return totals(url)
    finally:
        cluster.drop_database(name)


def _imports_list(db_url: str, instance: Path) -> str:
    """``corp-carbon imports list`` in this process (the app of the CLI's settings)."""
    app = create_app(make_settings(db_url, instance, shipped=True))
    try:
        listed = app.test_cli_runner().invoke(imports, ["list"])
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()
    assert listed.exit_code == 0, listed.output
    return str(listed.output)


def _runs(db_url: str) -> list[tuple[ImportRunStatus, str | None]]:
    engine = sa.create_engine(db_url)
    with engine.connect() as c:
        rows = c.execute(sa.select(ImportRun.status, ImportRun.error).order_by(ImportRun.id))
        found = [(status, error) for status, error in rows]
    engine.dispose()
    return found


def test_postgresql_stopped_mid_import_then_the_file_completes(
    pg_cluster: Cluster, cluster_db: str, tmp_path: Path
) -> None:
    export = navan_file(tmp_path / "navan_big.csv", ROWS, rail_every=4)
    expected = _clean_totals(pg_cluster, export, tmp_path / "clean")
    assert expected["activities"] == ROWS

    url = pg_cluster.url(cluster_db, password=SECRET)
    add_travellers(url)
    env = _env(url, tmp_path / "instance")
    process = subprocess.Popen(
        [sys.executable, "-m", "corp_carbon", "import", "--connector", "navan", str(export)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while committed_rows(url) < ROWS // 4:
        assert process.poll() is None, "the import finished before the database was stopped"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    pg_cluster.stop("fast")
    stopped = time.monotonic()
    out, err = process.communicate(timeout=60)
    answered = time.monotonic() - stopped

    assert process.returncode == EXIT_DATABASE_UNAVAILABLE, err
    assert "Traceback" not in err and SECRET not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("corp-carbon import: the database went away: ")
    assert f"(PostgreSQL at 127.0.0.1:{pg_cluster.port}, database {cluster_db}, " in lines[0]
    assert "Import run 1 stopped after row " in lines[0]
    assert "marked failed once the database is back" in lines[0]
    assert answered < 10

    pg_cluster.start()
    partial = totals(url)
    assert 0 < int(str(partial["activities"])) < ROWS  # whole batches only
    assert partial["ledger_sum"] == 0  # every posting balanced, none half-written
    assert partial["points_held"] == assessed_points(url)  # every stored trip credited once
    assert _runs(url) == [(ImportRunStatus.RUNNING, None)]  # until someone looks

    listed = _imports_list(url, tmp_path / "instance")
    assert "run 1 marked failed: interrupted: the database went away at " in listed
    [(status, error)] = _runs(url)
    assert status is ImportRunStatus.FAILED
    assert error is not None and error.startswith("interrupted: the database went away at ")

    again = run_cli("import", "--connector", "navan", str(export), env=env)
    assert again.returncode == 0, again.stderr
    assert totals(url) == expected
    assert [status for status, _ in _runs(url)] == [
        ImportRunStatus.FAILED,
        ImportRunStatus.SUCCEEDED,
    ]
