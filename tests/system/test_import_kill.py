"""Killing an import mid-file (a real process, SIGKILL) and running it again gives exactly the
totals of one clean run: whole batches only, nothing twice, no point lost or doubled."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from corp_carbon.db.models import ImportRun
from corp_carbon.domain.vocabulary import ImportRunStatus
from tests.navan_fixture import (
    add_travellers,
    cli_env,
    committed_rows,
    navan_file,
    run_cli,
    totals,
)

ROWS = 6000
BATCH = 150

pytestmark = pytest.mark.slow


def _database(db_url: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> str:
    """A second migrated database on the same backend as ``db_url``."""
    if db_url.startswith("sqlite"):
        target = tmp_path / f"{name}.sqlite"
        shutil.copyfile(db_url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    make: Callable[..., str] = request.getfixturevalue("pg_database")
    return make(template=request.getfixturevalue("pg_template"))


def _prepare(db_url: str, tmp_path: Path) -> dict[str, str]:
    add_travellers(db_url)
    return cli_env(db_url, tmp_path, BATCH)


def test_killed_import_rerun_equals_one_clean_run(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    export = navan_file(tmp_path / "navan_big.csv", ROWS)
    clean_url = _database(db_url, tmp_path, request, "clean")
    clean_env = _prepare(clean_url, tmp_path)
    done = run_cli("import", "--connector", "navan", str(export), env=clean_env)
    assert done.returncode == 0, done.stderr
    expected = totals(clean_url)
    assert expected["activities"] == ROWS and expected["ledger_sum"] == 0

    env = _prepare(db_url, tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "corp_carbon", "import", "--connector", "navan", str(export)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while committed_rows(db_url) < ROWS // 4:
        assert process.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    partial = totals(db_url)
    # whole batches only: every stored activity of the killed run is assessed or cancelled
    activities = int(str(partial["activities"]))
    assert 0 < activities < ROWS
    assert partial["ledger_sum"] == 0  # every posting balanced, none half-written

    again = run_cli("import", "--connector", "navan", "--json", str(export), env=env)
    assert again.returncode == 0, again.stderr
    assert totals(db_url) == expected
    engine = sa.create_engine(db_url)
    with engine.connect() as c:
        statuses = c.execute(sa.select(ImportRun.status).order_by(ImportRun.id)).scalars().all()
    engine.dispose()
    # the killed run is marked interrupted by the run that completed the file
    assert statuses == [ImportRunStatus.FAILED, ImportRunStatus.SUCCEEDED]
