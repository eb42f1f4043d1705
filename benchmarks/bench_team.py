"""The team page's figures in a company of 100,000 employees (PostgreSQL).

    .venv/bin/python benchmarks/bench_team.py [--employees 100000] [--departments 50]
        [--trips 24] [--pg postgresql+psycopg://postgres@127.0.0.1:5432]

Loads (untimed, by COPY) the employees spread over the departments, each with ``--trips``
assessed trips over the last year, half of them on the leaderboard; then times
``team_view`` (headcount, the department's month and year totals, the leaderboard) for one
member of a department (counted each time: the page reuses a department's count for a few
minutes, and the first view after that pays this), and the export of one employee's data, as medians of repeated runs.
The reference is a bare ``SELECT count(*)`` of the department's trips of the year by the
same index, measured in the same run. The target: the team page under 100 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_ledger import drop_database, fresh_database
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.domain.people import Actor
from corp_carbon.services.my_data.export import export_my_data
from corp_carbon.services.my_data.team import forget_department, team_view

TODAY = date(2026, 12, 2)


def load(url: str, employees: int, departments: int, trips: int) -> None:
    rng = random.Random(13)
    now = datetime.now(UTC)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO factor_sets (id, publisher, title, year, version, source_url, licence, "
            "sha256, loaded_at) VALUES ('bench', 'B', 'Bench', 2026, '1', 'https://x', 'CC0', "
            "repeat('0', 64), now())"
        )
        cur.execute(
            "INSERT INTO methodology_versions (id, version, factor_set, radiative_forcing, "
            "points_rule, additionality, parameters, note, origin, created_at) VALUES "
            "(1, 1, 'by-year', true, 'avoided_grams', 'reference', '{}', '', 'configuration', now())"
        )
        with cur.copy(
            "COPY employees (id, public_id, email, name, department, active, leaderboard_opt_in, "
            "name_derived, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, employees + 1):
                department = f"Department {i % departments:03d}"
                copy.write_row(
                    (i, f"emp_{i:012d}", f"e{i}@example.com", f"Employee {i}", department,
                     True, i % 2 == 0, False, now, now)
                )  # fmt: skip
        activity = 0
        with cur.copy(
            "COPY activities (id, employee_id, kind, mode, travel_date, department, distance_km, "
            "occupants, method, status, verification, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, employees + 1):
                department = f"Department {i % departments:03d}"
                for _ in range(trips):
                    activity += 1
                    day = TODAY - timedelta(days=rng.randrange(365))
                    copy.write_row(
                        (activity, i, "commute", "bike", day, department, 7500, 1, "distance",
                         "confirmed", "self_reported", now, now)
                    )  # fmt: skip
        with cur.copy(
            "COPY assessments (id, activity_id, methodology_version_id, factor_set_id, "
            "radiative_forcing, comparison, factor_id, kg_co2e, baseline_kg_co2e, "
            "avoided_kg_co2e, points, explanation, created_at) FROM STDIN"
        ) as copy:
            for a in range(1, activity + 1):
                copy.write_row((a, a, 1, "bench", True, False, "f", 0, 1250, 1250, 1250, "[]", now))
        cur.execute("SELECT setval('employees_id_seq', %s)", (employees,))
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE employees, activities, assessments")


def median_ms(call: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--departments", type=int, default=50)
    parser.add_argument("--trips", type=int, default=24)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    url = fresh_database(args.pg)
    try:
        started = time.perf_counter()
        load(url, args.employees, args.departments, args.trips)
        print(f"loaded {args.employees:,} employees, {args.employees * args.trips:,} trips "
              f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
        engine = make_engine(url)
        uow = UnitOfWork(make_session_factory(engine))
        me = args.departments * 7  # in Department 000, on the leaderboard (even id)
        year_start = TODAY.replace(month=1, day=1)

        def floor() -> None:
            with engine.connect() as c:
                c.execute(
                    sa.text(
                        "SELECT count(*) FROM activities WHERE department = 'Department 000' "
                        "AND travel_date BETWEEN :a AND :b"
                    ),
                    {"a": year_start, "b": TODAY},
                ).scalar()

        def page() -> None:
            # the count itself, not the few-minute reuse of it: the department's first view
            forget_department("Department 000")
            view = team_view(uow, me, min_group_size=5, today=TODAY)
            assert view.month is not None
            assert view.leaderboard is not None

        def export() -> None:
            export_my_data(uow, Actor(label="bench", employee_id=me), me, file_format="json")

        page()  # warm the caches once, as a running server has them
        people = args.employees // args.departments
        print(
            f"department: {people:,} people, about {people * args.trips * 11 // 12:,} trips this year"
        )
        floor_ms, page_ms = median_ms(floor, args.runs), median_ms(page, args.runs)
        print(f"floor (count of the department's trips of the year): {floor_ms:.1f} ms")
        print(f"team_view: {page_ms:.1f} ms ({page_ms / floor_ms:.1f}x the floor)")
        print(f"export of one employee ({args.trips} trips): {median_ms(export, args.runs):.1f} ms")
        engine.dispose()
    finally:
        drop_database(args.pg, url)


if __name__ == "__main__":
    main()
