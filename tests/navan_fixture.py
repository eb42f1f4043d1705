"""A large generated Navan export, its travellers, and the totals that show what an import
stored: for the process-level fault tests (a kill, a database stopped mid-import)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.db.models import Activity, Assessment, ImportRun, LedgerAccount, LedgerEntry
from corp_carbon.domain.vocabulary import AccountKind, ActivityStatus

NAVAN_SAMPLE = (
    Path(__file__).resolve().parent / "connectors" / "golden" / "navan"
    / "navan_bookings_export.csv"
)  # fmt: skip
AIRPORTS = ["LHR", "CDG", "FRA", "MUC", "MAD", "BCN", "DUB", "AMS", "ZRH", "JFK", "SFO", "PVG"]
PEOPLE = [(f"E{1000 + i}", f"person{i}@example.com") for i in range(1, 41)]


#: train journeys (cities and the stations the segment names), which earn points.
RAIL = [
    ("Madrid", "ES", "Madrid Puerta de Atocha", "Barcelona", "ES", "Barcelona Sants"),
    ("Berlin", "DE", "Berlin Hbf", "Hamburg", "DE", "Hamburg Hbf"),
    ("Paris", "FR", "Paris Gare de Lyon", "Lyon", "FR", "Lyon Part-Dieu"),
]


def navan_file(path: Path, rows: int, *, rail_every: int = 0) -> Path:
    """``rows`` one-way flights in the Navan layout of the reference sample, seeded; with
    ``rail_every`` N, every Nth booking is a train journey instead (trains earn points)."""
    header = NAVAN_SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    rng = random.Random(7)
    lines = [header]
    for i in range(rows):
        number, email = rng.choice(PEOPLE)
        origin, destination = rng.sample(AIRPORTS, 2)
        day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if rail_every and i % rail_every == 1:
            city, country, station, to_city, to_country, to_station = rng.choice(RAIL)
            lines.append(
                f"{i:08d}-0000-4000-8000-000000000000,NVN-{i},RAIL,TICKETED,"
                f"2025-01-01T00:00:00.000Z,2025-01-02T00:00:00.000Z,,{day},{day},"
                f"Person {number},{email},{number},Sales,CC-1,,{city},{country},,{to_city},"
                f"{to_country},ONE_WAY,{station}>{to_station} TR{100 + i % 900} {day}T08:30,"
                f",,Rail,RNF{i},,,,,EUR,88.40,96.17,,,trip-{i}"
            )
            continue
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


def add_travellers(db_url: str) -> None:
    """The file's travellers as employees, straight into the database."""
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


def totals(db_url: str) -> dict[str, object]:
    """What an import stored, in figures two databases can be compared by."""
    engine = sa.create_engine(db_url)
    with engine.connect() as c:
        found = {
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
    return found


def assessed_points(db_url: str) -> int:
    """The points of the confirmed activities' own assessments (what the ledger must hold)."""
    engine = sa.create_engine(db_url)
    with engine.connect() as c:
        points = c.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Assessment.points), 0))
            .join(Activity, Activity.id == Assessment.activity_id)
            .where(Activity.status == ActivityStatus.CONFIRMED, Assessment.comparison.is_(False))
        )
    engine.dispose()
    return int(points or 0)


def committed_rows(db_url: str) -> int:
    """How far the running import got: the last row of its last committed batch."""
    engine = sa.create_engine(db_url, connect_args={"timeout": 1} if "sqlite" in db_url else {})
    try:
        with engine.connect() as c:
            return int(c.scalar(sa.select(sa.func.max(ImportRun.last_committed_row))) or 0)
    except sa.exc.OperationalError:
        return 0  # SQLite: the importer holds the write lock right now
    finally:
        engine.dispose()


def cli_env(db_url: str, instance: Path, batch_size: int, **more: str) -> dict[str, str]:
    """The environment of a ``corp-carbon`` subprocess on ``db_url`` (shipped settings)."""
    return {
        **os.environ,
        "CORP_CARBON_DATABASE_URL": db_url,
        "CORP_CARBON_APP_MODE": "development",
        "CORP_CARBON_APP_INSTANCE_PATH": str(instance),
        "CORP_CARBON_IMPORTS_BATCH_SIZE": str(batch_size),
        "CORP_CARBON_LOGGING_LEVEL": "WARNING",
        **more,
    }


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "corp_carbon", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
