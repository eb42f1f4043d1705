"""Benchmark: bulk earning on PostgreSQL against a raw COPY of the same number of entry rows.

    .venv/bin/python benchmarks/bench_ledger.py                    # 1,000,000 activities
    .venv/bin/python benchmarks/bench_ledger.py --n 200000 --pg postgresql+psycopg://postgres@127.0.0.1:5432

Each round uses a fresh, migrated database. Activities (with their employees) are loaded
first, untimed. Then ``earnings.earn_many`` credits every activity in batches, inside one
transaction like ``post_earnings``. That covers the idempotency check, the account look-ups,
the id allocation, one transaction row and two balanced entries per activity, and the
constraints and triggers of the real tables. The reference is a raw psycopg COPY of 2 x N
entry rows into ``ledger_entries`` itself (same indexes, checks and foreign keys; the
transactions they belong to are loaded first, untimed), measured in the same round.
Target: bulk earning at least 1/3 of the COPY rate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corp_carbon.db import migrate
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.services.ledger import earnings

BATCH = 50_000


def fresh_database(server: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = f"{server}/{name}"
    migrate.upgrade(url)
    return url


def drop_database(server: str, url: str) -> None:
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def load_activities(url: str, n: int, employees: int = 20_000) -> None:
    now = datetime.now(UTC)
    with psycopg.connect(dsn(url)) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY employees (id, public_id, email, name, active, leaderboard_opt_in, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, employees + 1):
                copy.write_row(
                    (
                        i,
                        f"emp_{i:012d}",
                        f"e{i}@example.com",
                        f"Employee {i}",
                        True,
                        False,
                        now,
                        now,
                    )
                )
        with cur.copy(
            "COPY activities (id, employee_id, kind, mode, travel_date, distance_km, occupants, method, status, verification, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, n + 1):
                copy.write_row(
                    (
                        i,
                        1 + i % employees,
                        "commute",
                        "bike",
                        date(2025, 3, 3),
                        7500,
                        1,
                        "distance",
                        "confirmed",
                        "self_reported",
                        now,
                        now,
                    )
                )
        cur.execute("SELECT setval('employees_id_seq', %s)", (employees,))
        cur.execute("SELECT setval('activities_id_seq', %s)", (n,))
        conn.commit()


def run_earning(url: str, n: int, employees: int = 20_000) -> float:
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    earnings = [earnings.Earning(1 + i % employees, i, 1252, 1) for i in range(1, n + 1)]
    start = time.perf_counter()
    with uow:
        for first in range(0, n, BATCH):
            earnings.earn_many(uow.session, earnings[first : first + BATCH])
        uow.commit()
    elapsed = time.perf_counter() - start
    with engine.connect() as c:
        entries = c.scalar(sa.text("SELECT count(*) FROM ledger_entries"))
        total = c.scalar(sa.text("SELECT sum(amount) FROM ledger_entries"))
    assert entries == 2 * n, entries
    assert total == 0, total
    engine.dispose()
    return elapsed


def run_copy(url: str, n: int) -> float:
    """The floor: COPY 2 x N entry rows straight into ``ledger_entries`` (its indexes, checks
    and foreign keys included), after the N transactions they belong to exist (untimed)."""
    now = datetime.now(UTC)
    with psycopg.connect(dsn(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO ledger_accounts (id, code, kind, employee_id, created_at) VALUES "
            "(1, 'system:issuance', 'issuance', NULL, now()), (2, 'employee:1', 'employee', 1, now())"
        )
        with cur.copy(
            "COPY ledger_transactions (id, kind, idempotency_key, request_hash, reason_code, memo, activity_id, created_at) FROM STDIN"
        ) as copy:
            for i in range(1, n + 1):
                copy.write_row(
                    (i, "earn", f"earn:{i}:1", "0" * 64, "activity_assessed", "", i, now)
                )
        conn.commit()
        start = time.perf_counter()
        with cur.copy(
            "COPY ledger_entries (transaction_id, account_id, amount, created_at) FROM STDIN"
        ) as copy:
            for i in range(1, n + 1):
                copy.write_row((i, 1, -1252, now))
                copy.write_row((i, 2, 1252, now))
        conn.commit()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="activities to credit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    ratios, earn_rates, copy_rates = [], [], []
    for round_no in range(1, args.rounds + 1):
        reference, url = fresh_database(args.pg), fresh_database(args.pg)
        try:
            load_activities(reference, args.n)
            load_activities(url, args.n)
            copy_s = run_copy(reference, args.n)
            earn_s = run_earning(url, args.n)
        finally:
            drop_database(args.pg, reference)
            drop_database(args.pg, url)
        copy_rate = 2 * args.n / copy_s
        earn_rate = args.n / earn_s
        copy_rates.append(copy_rate)
        earn_rates.append(earn_rate)
        ratios.append((2 * args.n / earn_s) / copy_rate)
        print(
            f"round {round_no}: COPY {copy_rate:,.0f} entry rows/s; earning {earn_rate:,.0f} activities/s "
            f"({2 * args.n / earn_s:,.0f} entry rows/s) = {ratios[-1]:.2f} of COPY"
        )
    print()
    print(f"activities credited    {args.n:,} (two entries and one transaction row each)")
    print(f"raw COPY               {statistics.median(copy_rates):,.0f} entry rows/s")
    print(f"bulk earning           {statistics.median(earn_rates):,.0f} postings/s")
    print(
        f"ratio (entry rows/s)   {statistics.median(ratios):.2f} of COPY (median; target >= 0.33)"
    )


if __name__ == "__main__":
    main()
