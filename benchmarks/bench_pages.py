"""Benchmark: the employee's pages, server time per page, at 100,000 employees on PostgreSQL.

    .venv/bin/python benchmarks/bench_pages.py                        # 100,000 employees
    .venv/bin/python benchmarks/bench_pages.py --employees 2000       # a quick run
    .venv/bin/python benchmarks/bench_pages.py --keep                 # keep the database
    .venv/bin/python benchmarks/bench_pages.py --reuse postgresql+psycopg://postgres@127.0.0.1:5432/bench_pages_x
    .venv/bin/python benchmarks/bench_pages.py --sqlite /tmp/pages.sqlite --employees 2000

The issue's target: each employee page under 100 ms of server time with a year of data for
the employee, in a database of 100,000 employees. ``page_data.build`` makes that database
(a fresh PostgreSQL database, dropped afterwards unless ``--keep``). The Flask app then
runs in this process (``create_app`` on that database), signed in as the measured employee
the way a completed login is (the session cookie), and every GET goes through the WSGI app
with the test client: what a worker spends on a request, without the network.

- **Pages.** ``PAGES`` below, in one place. A page whose endpoint is not registered in this
  build is skipped (the new employee pages merge one by one); any answer other than 200 is
  an error and stops the run.
- **Floor.** A trivial endpoint added to the same app: ``session.get(Employee, id)`` and a
  one-line template (the "1 row from the database" shape of perf_floors.md). It runs in
  the same rounds, so each page is reported as a ratio against it and in absolute ms
  against the 100 ms target.
- **Rounds.** A warm-up of every page, then ``--rounds`` rounds, each GETting every page
  once, in turn (round-robin); median and p95 per page, and the SQL statements a request
  ran.
- ``--explain``: for each page, the request's three slowest statements run again under
  ``EXPLAIN (ANALYZE, BUFFERS)`` (PostgreSQL), their plans printed.
- ``--profile PATH``: a cProfile of ``--rounds`` requests of the slowest page (or of
  ``--profile-page NAME``).

Results: the table is printed, and written as JSON with ``--json FILE``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from werkzeug.exceptions import HTTPException

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import page_data
from corp_carbon import create_app
from corp_carbon.db.models import Activity, Employee
from corp_carbon.domain.vocabulary import ActivityKind, ActivityStatus
from corp_carbon.web.access import SESSION_EMPLOYEE, SESSION_LOGIN_METHOD, SESSION_ROLES
from corp_carbon.web.state import EXTENSION_KEY, carbon

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
TARGET_MS = 100.0
FLOOR = "/_bench/floor"
#: every employee page and API read, as (name, URL); ``{trip}`` is a trip of the measured
#: employee (a business trip with a trail to explain).
PAGES = (
    ("home", "/"),
    ("trips", "/trips"),
    ("trips filtered", "/trips?period=last-12-months&mode=rail&kind=business_travel"),
    ("trips page 5", "/trips?page=5"),
    ("trip detail", "/trips/{trip}"),
    ("points", "/points"),
    ("rewards", "/rewards"),
    ("compare", "/compare?from=London&to=Paris"),
    ("commute", "/commute"),
    ("my data", "/my-data"),
    ("team", "/team"),
    ("widget", "/widget"),
    ("api me", "/api/v1/me"),
    ("api summary", "/api/v1/me/summary"),
    ("api activities", "/api/v1/me/activities"),
    ("api activities filtered", "/api/v1/me/activities?mode=rail&kind=commute"),
    ("api commute profile", "/api/v1/me/commute-profile"),
    ("api ledger", "/api/v1/me/ledger"),
)


@dataclass
class PageResult:
    name: str
    url: str
    median_ms: float
    p95_ms: float
    ratio_to_floor: float
    under_target: bool
    statements: int
    bytes: int
    samples_ms: list[float] = field(default_factory=list)


class StatementLog:
    """The SQL statements of one request, with their times (on when ``recording``)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.recording = False
        self.count = 0
        self.statements: list[tuple[float, str, Any]] = []
        self._started = 0.0
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.recording:
            self.statements.append((time.perf_counter() - self._started, statement, params))

    @contextmanager
    def record(self) -> Iterator[None]:
        self.statements, self.recording = [], True
        try:
            yield
        finally:
            self.recording = False


def floor_view() -> str:
    """The floor: one row by primary key through the app's own session, one tiny template."""
    from flask import render_template_string, session

    with carbon().uow() as uow:
        employee = uow.session.get(Employee, session[SESSION_EMPLOYEE])
        assert employee is not None
        name = employee.name
    return render_template_string("<p>{{ name }}</p>", name=name)


def measured_trip(engine: sa.Engine, employee_id: int) -> int:
    """The measured employee's latest confirmed business trip (else any latest trip)."""
    with engine.connect() as conn:
        for kind in (ActivityKind.BUSINESS_TRAVEL, None):
            query = (
                sa.select(Activity.id)
                .where(Activity.employee_id == employee_id)
                .where(Activity.status == ActivityStatus.CONFIRMED)
                .order_by(Activity.travel_date.desc(), Activity.id.desc())
                .limit(1)
            )
            if kind is not None:
                query = query.where(Activity.kind == kind)
            found = conn.scalar(query)
            if found is not None:
                return int(found)
    raise SystemExit(f"employee {employee_id} has no trips: was the database built?")


def employee_figures(engine: sa.Engine, employee_id: int) -> dict[str, int]:
    queries = {
        "activities": "SELECT count(*) FROM activities WHERE employee_id = :e",
        "assessments": "SELECT count(*) FROM assessments s JOIN activities a ON a.id = "
        "s.activity_id WHERE a.employee_id = :e",
        "ledger_entries": "SELECT count(*) FROM ledger_entries l JOIN ledger_accounts a ON "
        "a.id = l.account_id WHERE a.employee_id = :e",
        "redemptions": "SELECT count(*) FROM redemptions WHERE employee_id = :e",
        "commute_profiles": "SELECT count(*) FROM commute_profiles WHERE employee_id = :e",
    }
    with engine.connect() as conn:
        return {
            k: int(conn.scalar(sa.text(q), {"e": employee_id}) or 0) for k, q in queries.items()
        }


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(
    url: str,
    measured_id: int,
    *,
    rounds: int,
    warmup: int,
    explain: bool,
    profile: str | None,
    instance: str,
    profile_page: str | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    app = create_app(page_data.settings_for(url, instance))
    app.config["TESTING"] = True
    app.add_url_rule(FLOOR, view_func=floor_view, endpoint="bench_floor")
    engine: sa.Engine = app.extensions[EXTENSION_KEY].engine
    log = StatementLog(engine)
    adapter = app.url_map.bind("localhost")
    trip = measured_trip(engine, measured_id)
    pages: list[tuple[str, str]] = [("floor", FLOOR)]
    skipped = []
    for name, pattern in PAGES:
        path = pattern.format(trip=trip)
        try:
            adapter.match(path.split("?")[0], method="GET")
        except HTTPException:  # NotFound or MethodNotAllowed: not in this build
            skipped.append(name)
            continue
        pages.append((name, path))
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_EMPLOYEE] = measured_id
        session[SESSION_ROLES] = ["employee"]
        session[SESSION_LOGIN_METHOD] = "test"

    def get(path: str) -> tuple[float, int, int]:
        before = log.count
        start = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - start) * 1000
        body = response.get_data()
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code}\n{body[:2000]!r}")
        return elapsed, log.count - before, len(body)

    for _ in range(warmup):
        for _, path in pages:
            get(path)
    samples: dict[str, list[float]] = {path: [] for _, path in pages}
    statements: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for _ in range(rounds):
        for _, path in pages:
            elapsed, count, size = get(path)
            samples[path].append(elapsed)
            statements[path], sizes[path] = count, size
    floor_ms = statistics.median(samples[FLOOR])
    results = []
    for name, path in pages:
        median = statistics.median(samples[path])
        results.append(
            PageResult(
                name=name,
                url=path,
                median_ms=round(median, 2),
                p95_ms=round(percentile(samples[path], 0.95), 2),
                ratio_to_floor=round(median / floor_ms, 1),
                under_target=median < TARGET_MS,
                statements=statements[path],
                bytes=sizes[path],
                samples_ms=[round(s, 2) for s in samples[path]],
            )
        )
    plans = _explain(engine, log, pages, get) if explain else {}
    if profile:
        chosen = [r for r in results if r.name == profile_page]
        slowest = chosen[0] if chosen else max(results, key=lambda r: r.median_ms)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(rounds):
            get(slowest.url)
        profiler.disable()
        profiler.dump_stats(profile)
        say(f"profile of {slowest.url} ({rounds} requests): {profile}")
    engine.dispose()
    return {"trip_id": trip, "skipped": skipped, "pages": results, "plans": plans}


def _explain(
    engine: sa.Engine,
    log: StatementLog,
    pages: list[tuple[str, str]],
    get: Callable[[str], tuple[float, int, int]],
) -> dict[str, list[dict[str, Any]]]:
    """Each page's three slowest statements, run again under EXPLAIN ANALYZE (PostgreSQL)."""
    plans: dict[str, list[dict[str, Any]]] = {}
    if engine.dialect.name != "postgresql":
        return plans
    for name, path in pages:
        with log.record():
            get(path)
        slowest = sorted(log.statements, key=lambda s: s[0], reverse=True)[:3]
        plans[name] = []
        for seconds, statement, params in slowest:
            with engine.connect() as conn:
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
            plans[name].append(
                {
                    "ms": round(seconds * 1000, 2),
                    "sql": " ".join(statement.split())[:400],
                    "plan": [r[0] for r in rows],
                }
            )
    return plans


def print_table(result: dict[str, Any], say: Callable[[str], None] = print) -> None:
    say(f"{'page':<16} {'median ms':>10} {'p95 ms':>8} {'x floor':>8} {'< 100 ms':>9} "
        f"{'SQL':>5} {'KB':>6}  url")  # fmt: skip
    for r in result["pages"]:
        say(
            f"{r.name:<16} {r.median_ms:>10.1f} {r.p95_ms:>8.1f} {r.ratio_to_floor:>8.1f} "
            f"{'yes' if r.under_target else 'NO':>9} {r.statements:>5} {r.bytes / 1024:>6.0f}  "
            f"{r.url}"
        )
    if result["skipped"]:
        say(f"not in this build (skipped): {', '.join(result['skipped'])}")
    for page, plans in result["plans"].items():
        for p in plans:
            say(f"\n[{page}] {p['ms']} ms: {p['sql'][:200]}")
            for line in p["plan"]:
                say(f"    {line}")


def _admin(server: str, sql: str) -> None:
    engine = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--pg", default=PG, help="PostgreSQL server URL (a database is made)")
    parser.add_argument("--sqlite", type=Path, help="build and measure on this SQLite file")
    parser.add_argument("--reuse", help="measure an existing database built with --keep")
    parser.add_argument("--measured", type=int, help="with --reuse: the measured employee")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", help="cProfile output file for the slowest page")
    parser.add_argument("--profile-page", help="with --profile: this page (a name in the table)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    instance = tempfile.mkdtemp(prefix="bench-pages-")
    built = None
    name = None
    if args.reuse:
        url = args.reuse
        if args.measured is None:
            parser.error("--reuse needs --measured (printed by the build)")
        measured = args.measured
    elif args.sqlite:
        args.sqlite.unlink(missing_ok=True)
        url = f"sqlite:///{args.sqlite.resolve()}"
    else:
        name = f"bench_pages_{uuid.uuid4().hex[:8]}"
        _admin(args.pg, f'CREATE DATABASE "{name}"')
        url = f"{args.pg}/{name}"
    try:
        if not args.reuse:
            print(f"building {args.employees:,} employees in {url}")
            clock = time.perf_counter()
            built = page_data.build(url, args.employees, instance=instance, seed=args.seed)
            total = time.perf_counter() - clock
            measured = built.measured_id
            print(
                f"built in {total:.0f} s ({', '.join(f'{k} {v:.0f} s' for k, v in built.seconds.items())})"
            )
            print("rows: " + ", ".join(f"{k} {v:,}" for k, v in built.rows.items()))
            print(f"measured employee: {measured} (--measured {measured})")
        engine = sa.create_engine(url)
        figures = employee_figures(engine, measured)
        engine.dispose()
        print("measured employee holds: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
        if args.build_only:
            return 0
        result = measure(
            url, measured, rounds=args.rounds, warmup=args.warmup, explain=args.explain,
            profile=args.profile, instance=instance, profile_page=args.profile_page,
        )  # fmt: skip
        print()
        print_table(result)
        if args.json:
            document = {
                "employees": built.employees if built else None,
                "database": "sqlite" if args.sqlite else "postgresql",
                "build_seconds": built.seconds if built else None,
                "rows": built.rows if built else None,
                "measured_employee": measured,
                "measured_holds": figures,
                "rounds": args.rounds,
                "target_ms": TARGET_MS,
                "trip_id": result["trip_id"],
                "skipped": result["skipped"],
                "pages": [asdict(r) for r in result["pages"]],
                "plans": result["plans"],
            }
            args.json.write_text(json.dumps(document, indent=2, default=str))
            print(f"\nresults: {args.json}")
    finally:
        if name and not args.keep:
            _admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif name:
            print(f"kept: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
