"""Benchmark: the ESG workbook of a year of N activities on PostgreSQL, against a bare
openpyxl write-only loop writing the same detail cells (the floor), in the same run.

    .venv/bin/python benchmarks/bench_report.py                          # 1,000,000 activities
    .venv/bin/python benchmarks/bench_report.py --activities 100000      # a quick run
    .venv/bin/python benchmarks/bench_report.py --activities 200000 --pg postgresql+psycopg://postgres@127.0.0.1:5432

A fresh database is migrated and loaded with COPY (untimed): ``--employees`` employees in
12 departments and 8 offices, and N confirmed activities of 2026 with their assessments (a
mix of commutes and business travel: flights in every cabin, rail, taxis, hotel nights,
spend-based taxis), some of them imported by a source.

- **Measured.** ``services.reports.workbook.write_report`` writes the .xlsx of 2026: the
  programme and data-quality figures (points, avoided against both baselines: the other
  baseline re-scores every activity in memory), the activities streamed from the database
  into the Detail sheet and every breakdown, coverage, the aggregate sheets and charts.
- **Floor.** openpyxl write-only (with lxml) writes one sheet of the same N rows x 29
  columns: the same header, the same value types per column (text, dates, integers and
  decimals with the same number formats, through one reused styled cell per numeric column
  as the writer does), made in memory by a cheap generator, nothing read from a database.

Each side runs in a child process of its own, so its peak memory (``VmHWM``) is its own;
PostgreSQL's memory is not counted. Targets: the workbook within 2x the floor's time, and
peak RSS under 300 MB. Results go to ``benchmarks/results/report-<date>.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
RESULTS = Path(__file__).resolve().parent / "results"
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
DEPARTMENTS = ("Engineering", "Sales EMEA", "Sales APAC", "Finance", "Legal", "Marketing",
               "Operations", "HR", "Research", "Support", "Procurement", "Executive")  # fmt: skip
OFFICES = ("London", "Berlin", "Paris", "Madrid", "Shanghai", "New York", "Tokyo", "Sydney")
#: (kind, mode, share, km low-high, kg per km); cabin and nights are drawn apart.
MIX = (
    ("commute", "bus", 0.14, (2, 15), "0.102"), ("commute", "subway", 0.14, (2, 20), "0.028"),
    ("commute", "rail", 0.12, (5, 60), "0.035"), ("commute", "car", 0.12, (3, 40), "0.167"),
    ("commute", "bike", 0.10, (1, 12), "0"), ("commute", "walk", 0.06, (1, 4), "0"),
    ("commute", "tram", 0.04, (2, 12), "0.029"),
    ("business_travel", "air", 0.10, (300, 9000), "0.150"),
    ("business_travel", "rail", 0.08, (50, 900), "0.035"),
    ("business_travel", "taxi", 0.05, (3, 40), "0.149"),
    ("business_travel", "hotel", 0.04, (0, 0), "10.4"),
    ("business_travel", "car", 0.01, (20, 400), "0.167"),
)  # fmt: skip
CABINS = ("economy", "economy", "economy", "premium_economy", "business", "first", None)
PLACES = ("London", "Paris", "Berlin", "Madrid", "Shanghai", "New York", "Tokyo", "Frankfurt")


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{_dsn(server)}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _peak_mb() -> float:
    """This process's peak resident set (``VmHWM``: it starts afresh at exec, unlike
    ``getrusage().ru_maxrss``, which a child inherits from its parent)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# --- the data, loaded with COPY --------------------------------------------------------------


def activities(n: int, employees: int, seed: int) -> Any:
    """(id, employee, kind, mode, cabin, day, km, nights, spend, kg) tuples, seeded."""
    rng = random.Random(seed)
    weights = [m[2] for m in MIX]
    days = (YEAR[1] - YEAR[0]).days + 1
    for number in range(1, n + 1):
        kind, mode, _, (low, high), per_km = rng.choices(MIX, weights)[0]
        employee = int(rng.paretovariate(1.2)) % employees + 1
        day = YEAR[0] + timedelta(days=rng.randrange(days))
        cabin = rng.choice(CABINS) if mode == "air" else None
        nights = rng.randint(1, 4) if mode == "hotel" else None
        spend = mode == "taxi" and rng.random() < 0.3
        km = None if (nights or spend) else Decimal(rng.randint(low * 1000, high * 1000)) / 1000
        quantity = Decimal(nights) if nights else (km or Decimal(0))
        kg = Decimal("6.250") if spend else (quantity * Decimal(per_km)).quantize(Decimal("0.001"))
        yield number, employee, kind, mode, cabin, day, km, nights, spend, kg


def make_database(server: str, n: int, employees: int, seed: int) -> str:
    """A fresh, migrated database holding the year (dropped again if loading fails)."""
    name = f"bench_report_{uuid.uuid4().hex[:10]}"
    _admin(server, f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    try:
        _load(url, n, employees, seed)
    except BaseException:
        drop(server, url)
        raise
    return url


def _load(url: str, n: int, employees: int, seed: int) -> None:
    import psycopg

    from corp_carbon.catalogue import load_catalogue
    from corp_carbon.db import migrate
    from corp_carbon.domain.methodology import Methodology

    migrate.upgrade(url)
    now = datetime.now(UTC)
    fs = load_catalogue().factor_sets["desnz-2025"]
    rng = random.Random(seed)
    posts = [(DEPARTMENTS[rng.randrange(12)], OFFICES[rng.randrange(8)])
             for _ in range(employees)]  # fmt: skip
    with psycopg.connect(_dsn(url)) as conn, conn.cursor() as cur:
        with cur.copy("COPY employees (id, public_id, employee_number, email, name, department, "
                      "office, active, leaderboard_opt_in, created_at, updated_at) FROM STDIN") as copy:  # fmt: skip
            for i, (department, office) in enumerate(posts, start=1):
                copy.write_row((i, f"emp_{i:012d}", f"E{i:06d}", f"person{i}@example.com",
                                f"Person {i}", department, office, True, False, now, now))  # fmt: skip
        cur.execute("SELECT setval('employees_id_seq', %s)", (employees,))
        cur.execute(
            "INSERT INTO factor_sets (id, publisher, title, year, version, source_url, licence, "
            "sha256, loaded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (fs.id, fs.publisher, fs.title, fs.year, fs.version, fs.source_url, fs.licence,
             fs.sha256, now),
        )  # fmt: skip
        cur.execute(
            "INSERT INTO methodology_versions (id, version, factor_set, radiative_forcing, "
            "points_rule, additionality, parameters, note, created_at) VALUES (1, 1, 'by-year', "
            "true, 'avoided_grams', 'reference', %s, 'benchmark', %s)",
            (json.dumps(Methodology(version=1).parameters()), now),
        )
        cur.execute("INSERT INTO import_sources (id, name, connector, enabled, created_at) "
                    "VALUES (1, 'Travel agency', 'concur-itinerary', true, %s)", (now,))  # fmt: skip
        cur.execute(
            "INSERT INTO import_runs (id, source_id, connector, file_name, file_size, "
            "file_sha256, trigger, started_by, dry_run, status, started_at, rows_read, imported, "
            "updated, duplicates, cancelled, rejected, waiting, last_committed_row) VALUES (1, 1, "
            "'concur-itinerary', 'bookings.csv', 1, %s, 'cli', 'bench', false, 'succeeded', %s, "
            "%s, %s, 0, 0, 0, 0, 0, 0)",
            ("0" * 64, datetime(2026, 6, 1, tzinfo=UTC), n, n),
        )
        columns = ("id, employee_id, kind, mode, cabin, origin, destination, travel_date, "
                   "department, office, distance_km, distance_source, nights, occupants, method, "
                   "spend_amount, spend_currency, status, verification, source_id, import_run_id, "
                   "source_record_key, created_at, updated_at")  # fmt: skip
        with cur.copy(f"COPY activities ({columns}) FROM STDIN") as copy:
            for a, employee, kind, mode, cabin, day, km, nights, spend, _ in activities(
                n, employees, seed
            ):
                department, office = posts[employee - 1]
                ends = (
                    (PLACES[a % 8], PLACES[(a * 7 + 3) % 8]) if kind != "commute" else (None, None)
                )
                copy.write_row((
                    a, employee, kind, mode, cabin, *ends, day, department, office,
                    int(km * 1000) if km is not None else None, "given" if km else None, nights,
                    1, "spend" if spend else "distance", 250000 if spend else None,
                    "EUR" if spend else None, "confirmed", "imported", 1, 1, str(a), now, now,
                ))  # fmt: skip
        cur.execute("SELECT setval('activities_id_seq', %s)", (n,))
        columns = ("id, activity_id, methodology_version_id, factor_set_id, radiative_forcing, "
                   "comparison, factor_id, kg_co2e, baseline, baseline_kg_co2e, avoided_kg_co2e, "
                   "points, haul, explanation, created_at")  # fmt: skip
        with cur.copy(f"COPY assessments ({columns}) FROM STDIN") as copy:
            for a, _, kind, mode, cabin, _, _, _, _, kg in activities(n, employees, seed):
                grams = int(kg * 1000)
                baseline = None
                if kind == "commute" and mode not in ("car",):
                    baseline = ("solo_car", grams * 3 + 1000)
                avoided = baseline[1] - grams if baseline else 0
                haul = ("long_haul" if a % 3 else "short_haul") if mode == "air" else None
                copy.write_row((
                    a, a, 1, fs.id, True, False, f"bench-{mode}-{cabin or ''}", grams,
                    baseline[0] if baseline else None, baseline[1] if baseline else None,
                    avoided, avoided, haul, "[]", now,
                ))  # fmt: skip
        cur.execute("SELECT setval('assessments_id_seq', %s)", (n,))
        conn.commit()
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def drop(server: str, url: str) -> None:
    _admin(server, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


# --- the two sides, each in a child process ---------------------------------------------------


def child_workbook(url: str, target: Path) -> dict[str, Any]:
    from corp_carbon.config import load_settings
    from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
    from corp_carbon.services.reports.gathering import ReportRequest
    from corp_carbon.services.reports.workbook import write_report

    settings = load_settings({"database": {"url": url}, "app": {"mode": "development"}})
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    start_mb = _peak_mb()
    started = time.perf_counter()
    with target.open("wb") as fh:
        written = write_report(uow, settings, ReportRequest(*YEAR), fh)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "start_mb": start_mb, "peak_mb": _peak_mb(),
            "rows": written.activities, "sheets": list(written.sheets),
            "kg": str(written.business_travel_kg + written.commuting_kg),
            "file_mb": target.stat().st_size / 2**20}  # fmt: skip


def floor_rows(n: int, employees: int, seed: int) -> Any:
    """The detail cells of the same activities, made in memory (nothing read from the
    database): the same types per column as the workbook's Detail sheet."""
    keys = [f"{(i * 2654435761) % 16**20:020x}" for i in range(employees + 1)]
    rng = random.Random(seed)
    posts = [(DEPARTMENTS[rng.randrange(12)], OFFICES[rng.randrange(8)])
             for _ in range(employees)]  # fmt: skip
    for a, employee, kind, mode, cabin, day, km, nights, spend, kg in activities(
        n, employees, seed
    ):
        department, office = posts[employee - 1]
        commute = kind == "commute"
        yield (
            a, keys[employee], department, office, day, 7 if commute else 6,
            "Commute" if commute else "Business travel", mode.capitalize(),
            None if commute else PLACES[a % 8], None if commute else PLACES[(a * 7 + 3) % 8],
            km, "Given by the source" if km else None, cabin, nights, 1,
            "Spend-based fallback" if spend else "Distance-based",
            Decimal("25.0000") if spend else None, "EUR" if spend else None, "desnz-2025",
            f"bench-{mode}-{cabin or ''}", kg, "Solo car" if commute else None,
            kg * 3 + 1 if commute else None, kg * 2 + 1 if commute else Decimal("0.000"),
            2000 if commute else 0, "Confirmed", "Imported", "SAP Concur itinerary export", 1,
        )  # fmt: skip


def child_floor(n: int, employees: int, seed: int, target: Path) -> dict[str, Any]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from corp_carbon.services.reports.detail import COLUMNS
    from corp_carbon.services.reports.xlsx import NUMBER_FORMATS

    start_mb = _peak_mb()
    started = time.perf_counter()
    book = Workbook(write_only=True)
    ws = book.create_sheet("Detail")
    ws.freeze_panes = "A2"
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=column.title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    styled = []
    for column in COLUMNS:
        cell = None
        if column.format not in ("text", "date"):
            cell = WriteOnlyCell(ws)
            cell.number_format = NUMBER_FORMATS[column.format]
        styled.append(cell)
    rows = 0
    for values in floor_rows(n, employees, seed):
        out = list(values)
        for index, cell in enumerate(styled):
            if cell is not None and out[index] is not None:
                cell.value = out[index]
                out[index] = cell
        ws.append(out)
        rows += 1
    ws.auto_filter.ref = f"A1:AC{rows + 1}"
    book.save(target)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "start_mb": start_mb, "peak_mb": _peak_mb(), "rows": rows,
            "file_mb": target.stat().st_size / 2**20}  # fmt: skip


def measure(kind: str, args: argparse.Namespace, url: str, folder: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--url", url, "--activities",
               str(args.activities), "--employees", str(args.employees), "--seed",
               str(args.seed), "--out", str(folder / f"{kind}.xlsx")]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--employees", type=int, default=0,
                        help="default: one per 100 activities, at least 50")  # fmt: skip
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--child", choices=["workbook", "floor"])
    parser.add_argument("--url", default="")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    args.employees = args.employees or max(50, args.activities // 100)
    if args.child == "workbook":
        print(json.dumps(child_workbook(args.url, Path(args.out))))
        return 0
    if args.child == "floor":
        print(json.dumps(child_floor(args.activities, args.employees, args.seed, Path(args.out))))
        return 0
    print(f"loading {args.activities:,} activities of {args.employees:,} employees ...")
    t0 = time.perf_counter()
    url = make_database(args.pg, args.activities, args.employees, args.seed)
    print(f"  loaded in {time.perf_counter() - t0:.1f} s: {url.rsplit('/', 1)[1]}")
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        floor = measure("floor", args, url, folder)
        print(f"floor:    {floor['seconds']:8.1f} s  {floor['rows'] / floor['seconds']:9,.0f} "
              f"rows/s  peak {floor['peak_mb']:6.0f} MB  file {floor['file_mb']:.0f} MB")  # fmt: skip
        workbook = measure("workbook", args, url, folder)
        print(f"workbook: {workbook['seconds']:8.1f} s  "
              f"{workbook['rows'] / workbook['seconds']:9,.0f} rows/s  peak "
              f"{workbook['peak_mb']:6.0f} MB  file {workbook['file_mb']:.0f} MB "
              f"({len(workbook['sheets'])} sheets)")  # fmt: skip
    finally:
        if not args.keep:
            drop(args.pg, url)
            for path in folder.glob("*.xlsx"):
                path.unlink()
            folder.rmdir()
    ratio = workbook["seconds"] / floor["seconds"]
    ok = ratio <= 2 and workbook["peak_mb"] < 300 and workbook["rows"] == args.activities
    print(f"ratio workbook / floor: {ratio:.2f}x (target at most 2x); workbook peak RSS "
          f"{workbook['peak_mb']:.0f} MB (target under 300 MB)")  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"report-{stamp}.json").write_text(json.dumps(
        {"activities": args.activities, "employees": args.employees, "floor": floor,
         "workbook": workbook, "ratio": ratio}, indent=2))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
