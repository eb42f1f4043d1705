"""Benchmark: the employee's carbon account (home page, summary API, widget) in a database of
100,000 employees on PostgreSQL, against ``GET /api/v1/me`` (sign-in check and balance) in
the same run.

    .venv/bin/python benchmarks/bench_account.py                       # 100,000 employees, 1M trips
    .venv/bin/python benchmarks/bench_account.py --activities 200000 --requests 50

The database is built as ``bench_report.py`` builds it (COPY, untimed): ``--employees``
employees and ``--activities`` assessed trips of 2026 spread over them. One more employee
gets a year of data through the product's own services: a commute there and back on
about 220 office days and two business trips a month, assessed (full trails) and credited
to the ledger, so the page's figures come from real assessments and ledger entries.

Each URL is asked ``--requests`` times through the Flask test client after a warm-up, signed
in as that employee; the figure is the server's time per request (no network in between):
median and 95th percentile. Target: the home page under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_report import PG, RESULTS, drop, make_database

URLS = ("/api/v1/me", "/", "/api/v1/me/summary", "/widget")
COMMUTES = ("bike", "bus", "subway", "walk", "rail")


def add_year(url: str, employees: int) -> int:
    """A year of trips for one new employee, assessed and credited by the product itself."""
    import psycopg
    import sqlalchemy as sa

    from benchmarks.bench_report import _dsn
    from corp_carbon.config import load_settings
    from corp_carbon.db.models import Activity, Employee
    from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
    from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Mode, Verification
    from corp_carbon.services.ledger.earnings import credit_assessed
    from corp_carbon.services.scoring import methodology as methodology_service
    from corp_carbon.services.scoring.assessments import assess_activities

    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("SELECT setval('methodology_versions_id_seq', 1)")
    settings = load_settings({"database": {"url": url}}, environ={})
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    with uow:
        me = Employee(email="measured@example.com", name="Measured Person", department="Sales")
        uow.session.add(me)
        uow.session.flush()
        employee_id = me.id
        day, ids = date(2026, 1, 1), []
        while day < date(2026, 12, 1):
            if day.weekday() < 5 and day.day % 7:  # about 220 office days
                mode = Mode(COMMUTES[day.toordinal() % len(COMMUTES)])
                for origin, destination in (("Home", "Office"), ("Office", "Home")):
                    ids.append(Activity(employee_id=employee_id, kind=ActivityKind.COMMUTE,
                                        mode=mode, origin=origin, destination=destination,
                                        travel_date=day, distance_km=Decimal("8.4"),
                                        verification=Verification.SELF_REPORTED))  # fmt: skip
            if day.day in (10, 24):
                air = day.month % 2 == 0
                ids.append(Activity(
                    employee_id=employee_id, kind=ActivityKind.BUSINESS_TRAVEL,
                    mode=Mode.AIR if air else Mode.RAIL, cabin=Cabin.ECONOMY if air else None,
                    origin="LHR" if air else "London St Pancras",
                    destination="MAD" if air else "Paris Gare du Nord", travel_date=day,
                    distance_km=Decimal("1260" if air else "460"),
                    verification=Verification.SELF_REPORTED,
                ))  # fmt: skip
            day += timedelta(days=1)
        uow.session.add_all(ids)
        uow.session.flush()
        activity_ids = [a.id for a in ids]
        uow.commit()
    assess_activities(uow, settings, activity_ids=activity_ids)
    with uow:  # as post_earnings does, for these trips only (the others stay uncredited)
        session = uow.session
        current = methodology_service.current(session, settings)
        version_id = session.scalar(
            sa.text("SELECT id FROM methodology_versions WHERE version = :v"),
            {"v": current.version},
        )
        credit_assessed(session, current, version_id, activity_ids)
        uow.commit()
        credited = uow.session.scalar(
            sa.text("SELECT count(*) FROM ledger_transactions WHERE kind = 'earn'")
        )
    engine.dispose()
    print(f"  measured employee {employee_id}: {len(activity_ids)} trips, {credited} credited")
    return employee_id


def measure(url: str, employee_id: int, requests: int) -> dict[str, Any]:
    from corp_carbon import create_app
    from corp_carbon.config import load_settings
    from corp_carbon.web.access import SESSION_EMPLOYEE, SESSION_LOGIN_METHOD, SESSION_ROLES

    settings = load_settings(
        {
            "app": {"mode": "development", "secret_key": "bench"},
            "database": {"url": url},
            "session": {"cookie_secure": False},
            "logging": {"format": "text", "level": "WARNING"},
        },
        environ={},
    )
    app = create_app(settings)
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_EMPLOYEE] = employee_id
        session[SESSION_ROLES] = ["employee"]
        session[SESSION_LOGIN_METHOD] = "bench"
    results: dict[str, Any] = {}
    for path in URLS:
        for _ in range(10):  # warm-up: templates compiled, connections pooled
            assert client.get(path).status_code == 200, path
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        times.sort()
        results[path] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        }
    app.extensions["corp_carbon"].engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    print(f"loading {args.activities:,} activities of {args.employees:,} employees ...")
    t0 = time.perf_counter()
    url = make_database(args.pg, args.activities, args.employees, args.seed)
    try:
        employee_id = add_year(url, args.employees)
        print(f"  loaded in {time.perf_counter() - t0:.1f} s: {url.rsplit('/', 1)[1]}")
        results = measure(url, employee_id, args.requests)
    finally:
        if not args.keep:
            drop(args.pg, url)
    floor = results["/api/v1/me"]["median_ms"]
    for path, figures in results.items():
        figures["ratio"] = round(figures["median_ms"] / floor, 2)
        print(f"{path:22} median {figures['median_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms"
              f"  {figures['ratio']:5.2f}x GET /api/v1/me")  # fmt: skip
    ok = results["/"]["median_ms"] < 100
    print(f"home page median {results['/']['median_ms']} ms (target under 100 ms)")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"account-{stamp}.json").write_text(json.dumps(
        {"employees": args.employees, "activities": args.activities, "results": results},
        indent=2))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
