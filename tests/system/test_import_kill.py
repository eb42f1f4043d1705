"""Killing an import mid-file (a real process, SIGKILL) and running it again gives exactly the
totals of one clean run: whole batches only, nothing twice, no point lost or doubled."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from corp_carbon.db.models import Activity, Assessment, ImportRun, LedgerAccount, LedgerEntry
from corp_carbon.domain.vocabulary import AccountKind, ImportRunStatus

NAVAN_SAMPLE = (
    Path(__file__).resolve().parents[1] / "connectors" / "golden" / "navan"
    / "navan_bookings_export.csv"
)  # fmt: skip
AIRPORTS = ["LHR", "CDG", "FRA", "MUC", "MAD", "BCN", "DUB", "AMS", "ZRH", "JFK", "SFO", "PVG"]
PEOPLE = [(f"E{1000 + i}", f"person{i}@example.com") for i in range(1, 41)]
ROWS = 6000
BATCH = 150

pytestmark = pytest.mark.slow


def _navan_file(path: Path) -> Path:
    """ROWS one-way flights in the Navan layout of the reference sample, seeded."""
    header = NAVAN_SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    rng = random.Random(7)
    lines = [header]
    for i in range(ROWS):
        number, email = rng.choice(PEOPLE)
        origin, destination = rng.sample(AIRPORTS, 2)
        day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        cabin = rng.choice(["ECONOMY", "ECONOMY", "PREMIUM_ECONOMY", "BUSINESS"])
        status = "CANCELED" if i % 97 == 0 else "TICKETED"
        lines.append(
            f"{i:08d}-0000-4000-8000-000000000000,NVN-{i},FLIGHT,{status},"
            f"2025-01-01T00:00:00.000Z,2025-01-02T00:00:00.000Z,,{day},{day},Person {number},"
            f"{email},{number},Sales,CC-1,{origin},,,{destination},,,ONE_WAY,"
            f"{origin}>{destination} XX{100 + i % 900} {day}T08:00,{cabin},Y,Air,PNR{i},"
            f"999{i:010d},,,,EUR,100.00,110.00,,,trip-{i}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _database(db_url: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> str:
    """A second migrated database on the same backend as ``db_url``."""
    if db_url.startswith("sqlite"):
        target = tmp_path / f"{name}.sqlite"
        shutil.copyfile(db_url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    make: Callable[..., str] = request.getfixturevalue("pg_database")
    return make(template=request.getfixturevalue("pg_template"))


def _env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CORP_CARBON_DATABASE_URL": db_url,
        "CORP_CARBON_APP_MODE": "development",
        "CORP_CARBON_APP_INSTANCE_PATH": str(tmp_path),
        "CORP_CARBON_IMPORTS_BATCH_SIZE": str(BATCH),
        "CORP_CARBON_LOGGING_LEVEL": "WARNING",
    }


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "corp_carbon", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def _prepare(db_url: str, tmp_path: Path) -> dict[str, str]:
    env = _env(db_url, tmp_path)
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        for number, email in PEOPLE:
            connection.execute(
                sa.text(
                    "INSERT INTO employees (public_id, employee_number, email, name, active, "
                    "leaderboard_opt_in, created_at, updated_at) VALUES "
                    "(:p, :n, :e, :name, true, false, :t, :t)"
                ),
                {"p": f"emp_{number}", "n": number, "e": email, "name": f"Person {number}",
                 "t": "2025-01-01 00:00:00"},
            )  # fmt: skip
    engine.dispose()
    return env


def _totals(db_url: str) -> dict[str, object]:
    engine = sa.create_engine(db_url)
    with engine.connect() as c:
        totals = {
            "activities": c.scalar(sa.select(sa.func.count()).select_from(Activity)),
            "by_status": sorted(
                (str(status), int(count))
                for status, count in c.execute(
                    sa.select(Activity.status, sa.func.count()).group_by(Activity.status)
                ).all()
            ),
            "assessments": c.scalar(sa.select(sa.func.count()).select_from(Assessment)),
            "kg_co2e": c.scalar(sa.select(sa.func.sum(Assessment.kg_co2e))),
            "points_held": c.scalar(
                sa.select(sa.func.sum(LedgerEntry.amount))
                .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
                .where(LedgerAccount.kind == AccountKind.EMPLOYEE)
            ),
            "ledger_sum": c.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0))),
        }
    engine.dispose()
    return totals


def _committed_rows(db_url: str) -> int:
    engine = sa.create_engine(db_url, connect_args={"timeout": 1} if "sqlite" in db_url else {})
    try:
        with engine.connect() as c:
            return int(c.scalar(sa.select(sa.func.max(ImportRun.last_committed_row))) or 0)
    except sa.exc.OperationalError:
        return 0  # SQLite: the importer holds the write lock right now
    finally:
        engine.dispose()


def test_killed_import_rerun_equals_one_clean_run(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    export = _navan_file(tmp_path / "navan_big.csv")
    clean_url = _database(db_url, tmp_path, request, "clean")
    clean_env = _prepare(clean_url, tmp_path)
    done = _cli("import", "--connector", "navan", str(export), env=clean_env)
    assert done.returncode == 0, done.stderr
    expected = _totals(clean_url)
    assert expected["activities"] == ROWS and expected["ledger_sum"] == 0

    env = _prepare(db_url, tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "corp_carbon", "import", "--connector", "navan", str(export)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _committed_rows(db_url) < ROWS // 4:
        assert process.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    partial = _totals(db_url)
    # whole batches only: every stored activity of the killed run is assessed or cancelled
    activities = int(str(partial["activities"]))
    assert 0 < activities < ROWS
    assert partial["ledger_sum"] == 0  # every posting balanced, none half-written

    again = _cli("import", "--connector", "navan", "--json", str(export), env=env)
    assert again.returncode == 0, again.stderr
    assert _totals(db_url) == expected
    engine = sa.create_engine(db_url)
    with engine.connect() as c:
        statuses = c.execute(sa.select(ImportRun.status).order_by(ImportRun.id)).scalars().all()
    engine.dispose()
    # the killed run is marked interrupted by the run that completed the file
    assert statuses == [ImportRunStatus.FAILED, ImportRunStatus.SUCCEEDED]
