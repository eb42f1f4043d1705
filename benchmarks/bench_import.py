"""Benchmark: import N booking segments into PostgreSQL end to end, against a raw COPY of the same rows.

    .venv/bin/python benchmarks/bench_import.py --segments 1000000           # 3 rounds + 100k peak
    .venv/bin/python benchmarks/bench_import.py --segments 20000 --quick     # CI smoke test, < 1 min

``gen_exports.py`` writes N segments (untimed, cached under ``--data``) as a Concur itinerary
export and a Navan booking export, 60/40. Every measurement runs in a child process of its
own, on a fresh database cloned from a migrated template that already holds the 100,000
employees, so each peak RSS (the child's ``VmHWM``) belongs to that measurement alone.

- **Measured.** ``services.imports.run.run_import`` on the Concur file, then on the Navan file:
  parse, match travellers, de-duplicate (the Navan copies of Concur trips become duplicates),
  assess, post the points, record the run and its row problems. The clock covers both calls.
- **Floor.** The same two files read with ``csv.reader`` and split into one row per segment
  (Navan's ``segments`` column taken apart), each written with psycopg ``cursor.copy`` into a
  flat table of text columns with a primary key, in one transaction.

Rounds are round-robin (the order alternates), and the ratio is the median of the per-round
ratios import/COPY (target: at least 0.1, aiming for 0.2). Each round also prints the CPU
seconds of both measurements, the child's and its PostgreSQL backends' (read from ``/proc``:
the server is on this machine), which other jobs on a shared machine disturb far less than
the wall clock. With N above 100,000 one more
import of 100,000 segments shows whether peak memory grows with the file (target: under
500 MB at any size). The counts of every import are checked against what was generated;
``--quick`` checks only those (one round, no speed expectations) and fails on a mismatch.
Results go to ``benchmarks/results/import-<date>.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_exports
from gen_exports import Manifest

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
DATA = Path(tempfile.gettempdir()) / "corp-carbon-bench-import"
RESULTS = Path(__file__).resolve().parent / "results"
COUNTS = ("read", "imported", "updated", "duplicates", "cancelled", "rejected", "waiting",
          "unchanged")  # fmt: skip
FLOOR_COLUMNS = (
    "id", "source", "booking_key", "segment_no", "employee_number", "email", "traveller", "mode",
    "status", "origin", "destination", "departs", "arrives", "carrier", "service", "cabin",
    "ticket", "record_locator", "distance", "amount", "currency", "modified",
)  # fmt: skip
Result = dict[str, Any]
FLOOR_TABLE = (
    "CREATE TABLE bench_segments (id bigint PRIMARY KEY, segment_no integer, "
    + ", ".join(f"{c} text" for c in FLOOR_COLUMNS if c not in ("id", "segment_no"))
    + ")"
)


def _backend_cpu(query: Any) -> float:
    """CPU seconds used so far by the client backends of the database that ``query`` (a
    connection's execute) runs in; the server runs on this machine. With the client's own CPU
    time, a measure of the work done that other jobs on a shared machine disturb far less
    than the wall clock."""
    pids = [row[0] for row in query(_BACKENDS)]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # not on this machine, or gone
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


_BACKENDS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND backend_type = 'client backend'"
)


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _peak_mb() -> float:
    """This process's peak resident set so far, in MB.

    ``VmHWM`` (the address space's high-water mark) rather than ``getrusage().ru_maxrss``: on
    Linux ``ru_maxrss`` survives fork + exec, so a child started from this (bigger) parent
    would report the parent's size before it did any work. ``VmHWM`` starts afresh at exec.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- databases ----------------------------------------------------------------------------------


def _admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{_dsn(server)}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def make_template(server: str, employees: int, seed: int) -> str:
    """A migrated database holding the employees (bulk-loaded with COPY), to clone from."""
    import psycopg

    from corp_carbon.db import migrate

    name = f"bench_import_tmpl_{uuid.uuid4().hex[:8]}"
    _admin(server, f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    migrate.upgrade(url)
    now = datetime.now(UTC)
    people = gen_exports.employee_table(employees, seed)
    with psycopg.connect(_dsn(url)) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY employees (id, public_id, employee_number, email, name, department, office, "
            "country, active, leaderboard_opt_in, created_at, updated_at) FROM STDIN"
        ) as copy:
            for p in people:
                office = gen_exports.OFFICES[p.office]
                copy.write_row(
                    (p.id, f"emp_{p.id:012d}", p.number, p.email, f"{p.first} {p.last}",
                     p.department, office[0], None, True, False, now, now)
                )  # fmt: skip
        cur.execute("SELECT setval('employees_id_seq', %s)", (employees,))
        conn.commit()
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE employees")
    return name


def clone(server: str, template: str) -> str:
    name = f"bench_import_{uuid.uuid4().hex[:10]}"
    _admin(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _admin(server, "CHECKPOINT")
    return name


def drop(server: str, name: str) -> None:
    _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the two measurements, each in a child process -------------------------------------------


def child_import(
    url: str, manifest: Manifest, batch_size: int | None, profile: str | None
) -> Result:
    from corp_carbon.config import load_settings
    from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
    from corp_carbon.domain.vocabulary import ImportTrigger
    from corp_carbon.services.imports.run import heap_frozen, run_import
    from corp_carbon.services.imports.values import ImportRequest

    config: dict[str, Any] = {"database": {"url": url}}
    if batch_size:
        config["imports"] = {"batch_size": batch_size}
    settings = load_settings(config)
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    files = [("concur-itinerary", manifest.concur), ("navan", manifest.navan)]
    start_mb = _peak_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    runs = []
    started = time.perf_counter()
    cpu_started = time.process_time()
    for connector, stats in files:
        path = Path(stats.path)
        t0 = time.perf_counter()
        with heap_frozen(settings):  # a process that imports and exits, as the CLI
            report = run_import(
                uow, settings, ImportRequest(connector, path, path.name, ImportTrigger.CLI, "bench")
            )
        runs.append(
            {
                "connector": connector,
                "seconds": time.perf_counter() - t0,
                "status": report.status.value,
                "error": report.error,
                "counts": {name: report.counts[name] for name in COUNTS},
                "problems": len(report.problems),
                "points": report.points,
                "kg_co2e": str(report.kg_co2e),
            }
        )
    seconds = time.perf_counter() - started
    cpu = {"client": time.process_time() - cpu_started}
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    peak_mb = _peak_mb()
    with engine.connect() as c:
        import sqlalchemy as sa

        cpu["database"] = _backend_cpu(c.exec_driver_sql)

        def one(sql: str) -> Any:
            return c.scalar(sa.text(sql))

        db = {
            "activities": one("SELECT count(*) FROM activities"),
            "duplicate": one("SELECT count(*) FROM activities WHERE status = 'duplicate'"),
            "replaced": one("SELECT count(*) FROM activities WHERE status = 'replaced'"),
            "assessments": one("SELECT count(*) FROM assessments"),
            "ledger_entries": one("SELECT count(*) FROM ledger_entries"),
            "ledger_sum": int(one("SELECT coalesce(sum(amount), 0) FROM ledger_entries")),
            "rejected_problems": one("SELECT count(*) FROM import_row_problems WHERE rejected"),
            "pending": one("SELECT count(*) FROM pending_records"),
            "database_mb": round(one("SELECT pg_database_size(current_database())") / 2**20),
        }
    engine.dispose()
    return {"seconds": seconds, "start_mb": start_mb, "peak_mb": peak_mb, "runs": runs, "db": db,
            "cpu": cpu}  # fmt: skip


def _navan_rows(path: Path) -> Any:
    """One tuple per segment: the ``segments`` column taken apart, nothing validated."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for r in reader:
            base = ("navan", r[0], r[11], r[10], r[9])
            tail = (r[22], r[26], r[25], r[27] or r[28], r[31], r[30], r[5])
            if not r[21]:
                yield (
                    0,
                    base,
                    (r[2], r[3], r[14] or r[15], r[17] or r[18], r[7], r[8], r[24], ""),
                    tail,
                )
                continue
            for n, item in enumerate(r[21].split(";")):
                rest, _, when = item.rpartition(" ")
                route, _, number = rest.rpartition(" ")
                origin, _, destination = route.partition(">")
                yield n, base, (r[2], r[3], origin, destination, when, "", r[24], number), tail


def child_copy(url: str, manifest: Manifest) -> Result:
    import psycopg

    with psycopg.connect(_dsn(url)) as conn:
        conn.execute(FLOOR_TABLE)
        conn.commit()
    start_mb = _peak_mb()
    started = time.perf_counter()
    cpu_started = time.process_time()
    rows = 0
    with psycopg.connect(_dsn(url)) as conn, conn.cursor() as cur:
        columns = ", ".join(FLOOR_COLUMNS)
        with cur.copy(f"COPY bench_segments ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            with Path(manifest.concur.path).open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                for r in reader:
                    rows += 1
                    write(
                        (rows, "concur", r[0], rows, r[3], r[2], f"{r[4]} {r[5]}", r[9], r[1],
                         r[15] or r[17], r[16] or r[18], r[19], r[20], r[11], r[13] or r[14],
                         r[22], r[25], r[8], r[24], r[28], r[29], r[32])
                    )  # fmt: skip
            for n, base, middle, tail in _navan_rows(Path(manifest.navan.path)):
                rows += 1
                mode, status, origin, destination, departs, arrives, carrier, service = middle
                write(
                    (rows, base[0], base[1], n, base[2], base[3], base[4], mode, status, origin,
                     destination, departs, arrives, carrier, service, *tail)
                )  # fmt: skip
        conn.commit()
        seconds = time.perf_counter() - started
        cpu = {"client": time.process_time() - cpu_started, "database": _backend_cpu(conn.execute)}
    peak_mb = _peak_mb()
    with psycopg.connect(_dsn(url)) as conn:
        found = conn.execute("SELECT count(*) FROM bench_segments").fetchone()
    stored = found[0] if found else 0
    return {"seconds": seconds, "start_mb": start_mb, "peak_mb": peak_mb, "rows": rows,
            "stored": stored, "cpu": cpu}  # fmt: skip


def measure(kind: str, server: str, template: str, data: Path, args: argparse.Namespace,
            profile: str | None = None) -> Result:  # fmt: skip
    """One measurement in a fresh child process on a fresh clone of the template."""
    name = clone(server, template)
    try:
        command = [sys.executable, __file__, "--child", kind, "--url", f"{server}/{name}",
                   "--data", str(data)]  # fmt: skip
        if args.batch_size:
            command += ["--batch-size", str(args.batch_size)]
        if profile:
            command += ["--profile", profile]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{kind} measurement failed:\n{done.stderr[-4000:]}")
        found: Result = json.loads(done.stdout.strip().splitlines()[-1])
        return found
    finally:
        drop(server, name)


# --- checks ----------------------------------------------------------------------------------


def check_import(result: Result, manifest: Manifest) -> list[str]:
    """What the import reported and stored, against what was generated."""
    wrong = []
    totals = dict.fromkeys(COUNTS, 0)
    for run, stats in zip(result["runs"], (manifest.concur, manifest.navan), strict=True):
        c = run["counts"]
        name = run["connector"]
        for key in COUNTS:
            totals[key] += c[key]
        if run["error"] or run["status"] == "failed":
            wrong.append(f"{name}: run {run['status']}: {run['error']}")
        expect = {
            "read": stats.segments,
            "rejected": stats.bad_rows,
            "duplicates": stats.duplicates,
            "waiting": stats.waiting,
            "cancelled": stats.cancelled,
        }
        for key, value in expect.items():
            if c[key] != value:
                wrong.append(f"{name}: {key} {c[key]:,}, expected {value:,}")
        placed = sum(c[k] for k in COUNTS if k != "read")
        if placed != c["read"]:
            wrong.append(f"{name}: outcomes add up to {placed:,} of {c['read']:,} segments read")
    db = result["db"]
    inserted = totals["imported"] + totals["duplicates"] + totals["cancelled"]
    if not inserted <= db["activities"] <= inserted + totals["updated"]:
        wrong.append(
            f"database: {db['activities']:,} activities for {inserted:,} imported, duplicate or "
            f"cancelled and {totals['updated']:,} updated segments"
        )
    if db["duplicate"] != totals["duplicates"]:
        wrong.append(f"database: {db['duplicate']:,} duplicates, reported {totals['duplicates']:,}")
    if db["rejected_problems"] != totals["rejected"]:
        wrong.append(f"database: {db['rejected_problems']:,} rejections stored")
    if db["ledger_sum"] != 0:
        wrong.append(f"database: ledger entries sum to {db['ledger_sum']}, not 0")
    return wrong


def check_copy(result: Result, manifest: Manifest) -> list[str]:
    if result["rows"] == result["stored"] == manifest.segments:
        return []
    return [f"COPY: {result['rows']:,} rows written, {result['stored']:,} stored, "
            f"{manifest.segments:,} segments generated"]  # fmt: skip


# --- main ------------------------------------------------------------------------------------


def _data_dir(base: Path, segments: int, args: argparse.Namespace) -> Path:
    return base / f"n{segments}-e{args.employees}-s{args.seed}"


def _child_main(args: argparse.Namespace) -> None:
    manifest = Manifest.load(args.data / gen_exports.MANIFEST)
    if args.child == "import":
        result = child_import(args.url, manifest, args.batch_size, args.profile)
    else:
        result = child_copy(args.url, manifest)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="one round, no memory comparison: a smoke test (CI)")  # fmt: skip
    parser.add_argument("--flat-segments", type=int, default=100_000,
                        help="the smaller import whose peak RSS is compared (0: none)")  # fmt: skip
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=gen_exports.SEED)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="imports.batch_size (default: the product default)")  # fmt: skip
    parser.add_argument("--pg", default=PG, help="server URL, without a database name")
    parser.add_argument("--data", type=Path, default=DATA,
                        help="where generated exports are cached (or, with --child, the set)")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, help="results file")
    parser.add_argument("--profile", default=None,
                        help="write a cProfile of one import (no COPY, no rounds) to this file")  # fmt: skip
    parser.add_argument("--child", choices=("import", "copy"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child_main(args)
        return
    if args.quick:
        args.rounds, args.flat_segments = 1, 0
    t0 = time.perf_counter()
    manifest = gen_exports.generate(
        args.segments, _data_dir(args.data, args.segments, args),
        employees=args.employees, seed=args.seed,
    )  # fmt: skip
    flat = None
    if args.flat_segments and args.flat_segments < args.segments:
        flat = gen_exports.generate(
            args.flat_segments, _data_dir(args.data, args.flat_segments, args),
            employees=args.employees, seed=args.seed,
        )  # fmt: skip
    print(f"exports ready in {time.perf_counter() - t0:.1f}s: {_describe(manifest)}")
    server = args.pg.rstrip("/")
    t0 = time.perf_counter()
    template = make_template(server, args.employees, args.seed)
    print(f"template database with {args.employees:,} employees in {time.perf_counter() - t0:.1f}s")
    data = _data_dir(args.data, args.segments, args)
    problems: list[str] = []
    rounds: list[Result] = []
    flat_result = None
    try:
        if args.profile:
            result = measure("import", server, template, data, args, profile=args.profile)
            problems += check_import(result, manifest)
            print(f"profiled import: {args.segments / result['seconds']:,.0f} segments/s, "
                  f"profile written to {args.profile}")  # fmt: skip
            _fail_on(problems)
            return
        for number in range(1, args.rounds + 1):
            order = ("copy", "import") if number % 2 else ("import", "copy")
            got = {kind: measure(kind, server, template, data, args) for kind in order}
            problems += check_copy(got["copy"], manifest)
            problems += check_import(got["import"], manifest)
            copy_rate = manifest.segments / got["copy"]["seconds"]
            import_rate = manifest.segments / got["import"]["seconds"]
            rounds.append(
                {"order": order, "copy": got["copy"], "import": got["import"],
                 "copy_rate": copy_rate, "import_rate": import_rate,
                 "ratio": import_rate / copy_rate}
            )  # fmt: skip
            runs = got["import"]["runs"]
            print(
                f"round {number}: COPY {copy_rate:,.0f} rows/s; import {import_rate:,.0f} "
                f"segments/s (concur {runs[0]['seconds']:.1f}s, navan {runs[1]['seconds']:.1f}s) "
                f"= {import_rate / copy_rate:.3f} of COPY; peak RSS import "
                f"{got['import']['peak_mb']:.0f} MB, COPY {got['copy']['peak_mb']:.0f} MB"
            )
            print(f"  CPU seconds: import {_cpu(got['import'])}, COPY {_cpu(got['copy'])}")
        if flat is not None:
            flat_data = _data_dir(args.data, args.flat_segments, args)
            flat_result = measure("import", server, template, flat_data, args)
            problems += check_import(flat_result, flat)
            print(
                f"{args.flat_segments:,} segments: import {flat.segments / flat_result['seconds']:,.0f} "
                f"segments/s, peak RSS {flat_result['peak_mb']:.0f} MB"
            )
    finally:
        drop(server, template)
    summary = _summary(args, manifest, flat, rounds, flat_result, problems)
    _print(summary)
    path = args.json or RESULTS / f"import-{datetime.now().strftime('%Y-%m-%d')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=1, default=str))
    print(f"results written to {path}")
    _fail_on(problems)


def _cpu(result: Result) -> str:
    cpu = result["cpu"]
    total = cpu["client"] + cpu["database"]
    return f"{total:.1f} (Python {cpu['client']:.1f} + PostgreSQL {cpu['database']:.1f})"


def _describe(m: Manifest) -> str:
    return (
        f"{m.segments:,} segments (concur {m.concur.rows:,} rows, navan {m.navan.rows:,} rows; "
        f"{m.concur.bad_rows + m.navan.bad_rows:,} bad rows, "
        f"{m.concur.cancelled + m.navan.cancelled:,} cancelled, {m.navan.duplicates:,} "
        f"cross-source duplicates, {m.concur.exchanges + m.navan.exchanges:,} exchanges)"
    )


def _summary(args: argparse.Namespace, manifest: Manifest, flat: Manifest | None,
             rounds: list[Result], flat_result: Result | None, problems: list[str]) -> Result:  # fmt: skip
    median = statistics.median
    out: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "segments": manifest.segments,
        "rounds": len(rounds),
        "quick": args.quick,
        "batch_size": args.batch_size,
        "generated": asdict(manifest),
        "copy_rows_per_s": median(r["copy_rate"] for r in rounds),
        "import_segments_per_s": median(r["import_rate"] for r in rounds),
        "ratio": median(r["ratio"] for r in rounds),
        "ratios": [r["ratio"] for r in rounds],
        "peak_rss_mb": {str(manifest.segments): max(r["import"]["peak_mb"] for r in rounds)},
        "copy_peak_rss_mb": max(r["copy"]["peak_mb"] for r in rounds),
        "import_start_rss_mb": rounds[0]["import"]["start_mb"],
        "counts": rounds[0]["import"]["runs"],
        "database": rounds[0]["import"]["db"],
        "rounds_detail": rounds,
        "problems": problems,
    }
    if flat is not None and flat_result is not None:
        out["peak_rss_mb"][str(flat.segments)] = flat_result["peak_mb"]
        out["flat_import_segments_per_s"] = flat.segments / flat_result["seconds"]
        out["flat_detail"] = flat_result
    return out


def _print(s: Result) -> None:
    print()
    print(f"segments imported        {s['segments']:,} (concur + navan, {s['rounds']} rounds)")
    print(f"raw COPY (floor)         {s['copy_rows_per_s']:,.0f} rows/s")
    print(f"run_import end to end    {s['import_segments_per_s']:,.0f} segments/s")
    print(
        f"ratio import/COPY        {s['ratio']:.3f} (median; rounds "
        + ", ".join(f"{r:.3f}" for r in s["ratios"])
        + "; target >= 0.1, aim 0.2)"
    )
    peaks = ", ".join(f"{int(n):,} segments {mb:.0f} MB" for n, mb in s["peak_rss_mb"].items())
    print(f"peak RSS, import         {peaks} (target < 500 MB, flat)")
    print(f"peak RSS, COPY           {s['copy_peak_rss_mb']:.0f} MB")
    totals = {k: sum(r["counts"][k] for r in s["counts"]) for k in COUNTS}
    print("counts                   " + ", ".join(f"{k} {v:,}" for k, v in totals.items()))
    db = s["database"]
    print(
        f"stored                   {db['activities']:,} activities, {db['assessments']:,} "
        f"assessments, {db['ledger_entries']:,} ledger entries, {db['database_mb']:,} MB"
    )


def _fail_on(problems: list[str]) -> None:
    if problems:
        print("COUNT CHECKS FAILED:", file=sys.stderr)
        for p in dict.fromkeys(problems):
            print(f"  {p}", file=sys.stderr)
        sys.exit(1)
    print("count checks passed")


if __name__ == "__main__":
    main()
