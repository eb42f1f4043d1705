"""Server time of the employee's trip pages in a large PostgreSQL database.

    .venv/bin/python benchmarks/bench_trips_page.py [--employees 100000] [--background 1000000]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432]

Loads ``--employees`` employees and ``--background`` activities spread over them (COPY),
then gives employee 1 a year of commutes and business trips, assessed as the product does
(with their trails). It then times, through the Flask test client (no network), the trips
list unfiltered and with each filter, a page deep in the list, a page past the end and one
trip's explanation page. The reference, measured in the same run, is the bare pair of
indexed queries the list needs (count + one page of rows) through the same engine, so a
slower machine shifts both alike.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
import sqlalchemy as sa
from bench_ledger import drop_database, dsn, fresh_database  # type: ignore[import-not-found]

MODES = ("bike", "rail", "bus", "subway", "walk")


def load(url: str, employees: int, background: int) -> list[int]:
    """Background rows, then a year of employee 1's trips; returns employee 1's ids."""
    now = datetime.now(UTC)
    first = date.today() - timedelta(days=365)
    with psycopg.connect(dsn(url)) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY employees (id, public_id, email, name, active, leaderboard_opt_in, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, employees + 1):
                copy.write_row(
                    (i, f"emp_{i:012d}", f"e{i}@example.com", f"Employee {i}", True, False,
                     now, now)
                )  # fmt: skip
        with cur.copy(
            "COPY activities (id, employee_id, kind, mode, origin, destination, travel_date, "
            "distance_km, distance_source, occupants, method, status, verification, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, background + 1):
                copy.write_row(
                    (i, 2 + i % (employees - 1), "commute", MODES[i % 5], "Home", "Office",
                     first + timedelta(days=i % 365), 7500, "declared", 1, "distance",
                     "confirmed", "self_reported", now, now)
                )  # fmt: skip
            mine = []
            n = background
            for day in range(365):
                when = first + timedelta(days=day)
                if when.weekday() >= 5:
                    continue
                for leg in range(2):
                    n += 1
                    mine.append(n)
                    copy.write_row(
                        (n, 1, "commute", MODES[day % 5], "Home" if leg else "Office",
                         "Office" if leg else "Home", when, 12500, "declared", 1, "distance",
                         "confirmed", "self_reported", now, now)
                    )  # fmt: skip
                if day % 9 == 0:
                    n += 1
                    mine.append(n)
                    copy.write_row(
                        (n, 1, "business_travel", "rail", "London St Pancras",
                         "Paris Gare du Nord", when, 492000, "given", 1, "distance", "confirmed",
                         "self_reported", now, now)
                    )  # fmt: skip
        cur.execute("SELECT setval('employees_id_seq', %s)", (employees,))
        cur.execute("SELECT setval('activities_id_seq', %s)", (n,))
        conn.commit()
        cur.execute("ANALYZE")
    return mine


def timed(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    for _ in range(3):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--background", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    from corp_carbon import create_app
    from corp_carbon.config import load_settings
    from corp_carbon.services.scoring.assessments import assess_activities
    from corp_carbon.web.access import SESSION_EMPLOYEE, SESSION_LOGIN_METHOD, SESSION_ROLES
    from corp_carbon.web.state import EXTENSION_KEY

    url = fresh_database(args.pg)
    try:
        start = time.perf_counter()
        mine = load(url, args.employees, args.background)
        print(f"loaded {args.employees:,} employees, {args.background + len(mine):,} "
              f"activities ({len(mine)} of employee 1) in {time.perf_counter() - start:.1f} s")  # fmt: skip
        with tempfile.TemporaryDirectory() as instance:
            settings = load_settings(
                {
                    "app": {
                        "mode": "development",
                        "secret_key": "bench",
                        "instance_path": instance,
                    },
                    "database": {"url": url},
                    "session": {"cookie_secure": False},
                    "logging": {"format": "text", "level": "WARNING"},
                },
                environ={},
            )
            app = create_app(settings)
            state = app.extensions[EXTENSION_KEY]
            assess_activities(state.uow(), settings, activity_ids=mine)
            client = app.test_client()
            with client.session_transaction() as session:
                session[SESSION_EMPLOYEE] = 1
                session[SESSION_ROLES] = ["employee"]
                session[SESSION_LOGIN_METHOD] = "test"

            def floor() -> None:
                with state.engine.connect() as c:
                    c.execute(sa.text(
                        "SELECT count(*) FROM activities WHERE employee_id = 1 AND mode = 'bike'"
                    )).scalar()  # fmt: skip
                    c.execute(sa.text(
                        "SELECT * FROM activities WHERE employee_id = 1 AND mode = 'bike' "
                        "ORDER BY travel_date DESC, id DESC LIMIT 25 OFFSET 25"
                    )).all()  # fmt: skip

            reference = timed(floor, args.rounds)
            print(f"reference (count + a page of rows, bare SQL): {reference:.1f} ms")
            for path in (
                "/trips",
                "/trips?mode=bike",
                "/trips?kind=business_travel",
                "/trips?period=this-year&kind=commute&mode=rail",
                "/trips?period=last-12-months&page=10",
                "/trips?page=999",
                f"/trips/{mine[-1]}",
                "/api/v1/me/activities?mode=bike&per_page=50",
            ):

                def get(path: str = path) -> None:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)

                ms = timed(get, args.rounds)
                print(f"{path:55s} {ms:7.1f} ms  ({ms / reference:.1f} x reference)")
            state.engine.dispose()
    finally:
        drop_database(args.pg, url)


if __name__ == "__main__":
    main()
