"""Benchmark: the pages and the API under load, served by gunicorn, at 100,000 employees.

    .venv/bin/python benchmarks/bench_web.py                          # build or reuse, then measure
    .venv/bin/python benchmarks/bench_web.py --employees 2000 --seconds 5   # a quick run
    .venv/bin/python benchmarks/bench_web.py --reuse URL --measured N # a bench_pages --keep database
    .venv/bin/python benchmarks/bench_web.py --rounds 3 --json out.json

Issue 16's target: every endpoint's p99 under 100 ms, and the employee pages at least half the
floor's throughput, measured in the same run.

- **Database.** ``page_data.build`` (the employee-page benchmark's data: a year of activities
  per employee), in a PostgreSQL database named after its size (``bench_web_100000``), kept
  and reused by later runs (its comment records the measured employee once the build is
  complete); ``--rebuild`` makes it again. Migrations are applied on every run.
- **Server.** ``corp-carbon serve``, the production command the README documents: gunicorn
  with sync workers, ``2 x cores + 1`` of them (gunicorn's recommendation), the rest from
  ``[server]``'s defaults, a production configuration (``[app] mode = "production"``, JSON
  request and access logs, to a file), plus the floor route (``benchmarks/web_serve.py``).
- **Sign-in.** A seeded sample of employees, each with a session cookie signed with the
  server's key, as a completed login makes it; the API endpoints use API tokens of the same
  employees (``Authorization: Bearer``), as scripts do; the overview, administrators'
  sessions. wrk's Lua script takes the next identity for every request
  (``benchmarks/wrk.py``). Each endpoint is fetched once with a few identities before it is
  loaded: anything but 200 stops the run (wrk counts a redirect to the sign-in as success).
- **Load.** For each endpoint in turn (the order rotates each round): a warm-up, then
  ``wrk -t1 -c<workers> -d15s --latency`` on 127.0.0.1: as many connections as workers, so
  every worker is busy and none queues (a sync worker serves one request at a time and
  closes the connection; with more connections than workers, each waits in the listen
  backlog, and a saturated closed loop's latency is connections / throughput). The server's
  workers' and PostgreSQL's CPU seconds are read from ``/proc`` around each run, per
  request.
- **Floor.** ``bench_pages.floor_view`` (one employee row by primary key and a one-line
  template), served by the same gunicorn, in the same rounds. Ratios are the median of the
  per-round ratios of requests per second.

Results: a table, and ``--json FILE``. wrk, gunicorn and the machine share the same cores,
as in ``perf_floors.md``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import wrk
from benchmarks.bench_pages import FLOOR, PG
from benchmarks.host_cpu import cpu_seconds, database_backends, spent, worker_pids
from benchmarks.web_setup import Identities, cached_database, identities, production_config
from corp_carbon.config.server import ServerSection
from corp_carbon.db import migrate

ROOT = Path(__file__).resolve().parents[1]
TARGET_P99_MS = 100.0
#: the employee pages must reach this share of the floor's requests per second.
TARGET_SHARE = 0.5
#: ``[server] timeout`` as serve runs it here: a sync worker silent this long is killed (500).
WORKER_TIMEOUT_SECONDS = ServerSection().timeout
WRK_OPTIONS = ("seconds", "warmup", "rounds", "connections", "threads", "timeout")


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    #: who calls it: "employee" (session cookie), "api" (API token) or "admin" (session).
    caller: str
    #: held to half the floor's throughput.
    employee_page: bool = False
    #: a company-wide aggregate: loaded last in each round, and skipped (reported as such)
    #: when one request does not answer within ``--check-timeout``.
    company_wide: bool = False


ENDPOINTS = (
    Endpoint("floor", FLOOR, "employee"),
    Endpoint("home", "/", "employee", employee_page=True),
    Endpoint("trips", "/trips", "employee", employee_page=True),
    Endpoint("api me", "/api/v1/me", "api", employee_page=True),
    Endpoint("api activities", "/api/v1/me/activities", "api", employee_page=True),
    Endpoint("admin overview", "/admin", "admin", company_wide=True),
)


@dataclass
class Measured:
    name: str
    path: str
    rounds: list[dict[str, Any]] = field(default_factory=list)
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    share_of_floor: float = 0.0
    worker_cpu_ms: float = 0.0
    database_cpu_ms: float = 0.0
    errors: int = 0
    meets_target: bool = False
    #: the single requests before the load: (status or error, milliseconds).
    checks: list[tuple[str, float]] = field(default_factory=list)
    #: why it was not loaded (a check without a 200 in time), else None.
    skipped: str | None = None


def server_argv(port: int, workers: int) -> list[str]:
    """The production server: ``corp-carbon serve`` on loopback with the workers asked for,
    plus the floor route (``benchmarks/web_serve.py``)."""
    return [
        sys.executable, "-m", "benchmarks.web_serve",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
    ]  # fmt: skip


def default_workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


def _header(caller: str) -> str:
    return "Authorization" if caller == "api" else "Cookie"


# --- the server ---------------------------------------------------------------------------------


class Server:
    def __init__(self, config: Path, port: int, workers: int, log: Path) -> None:
        env = {**os.environ, "CORP_CARBON_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
        self.port = port
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            server_argv(port, workers), cwd=ROOT, env=env,
            stdout=self._log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def get(
        self, path: str, header: str = "", value: str = "", timeout: float = 10
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers={header: value} if header else {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn not ready after {seconds:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- measuring ----------------------------------------------------------------------------------


def check(server: Server, endpoint: Endpoint, values: list[str], timeout: float) -> Measured:
    """A few callers, once each: 200 (not a redirect to the sign-in) within ``timeout``, or
    the run stops; a company-wide page that fails is reported and not loaded."""
    found = Measured(endpoint.name, endpoint.path)
    for value in values[:3]:
        clock = time.perf_counter()
        try:
            status, body = server.get(endpoint.path, _header(endpoint.caller), value, timeout)
            outcome = str(status)
        except OSError as exc:  # a timeout, or the worker killed by gunicorn's own timeout
            status, body, outcome = 0, b"", f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - clock) * 1000
        found.checks.append((outcome, round(elapsed, 1)))
        print(f"  {endpoint.name}: {outcome} in {elapsed:.0f} ms")
        if status != 200:
            if not endpoint.company_wide:
                raise SystemExit(
                    f"GET {endpoint.path} as {endpoint.caller}: {outcome}\n{body[:500]!r}"
                )
            found.skipped = f"one request: {outcome} after {elapsed / 1000:.1f} s"
            if elapsed >= WORKER_TIMEOUT_SECONDS * 1000:
                found.skipped += f" ([server] timeout is {WORKER_TIMEOUT_SECONDS} s)"
            break
    return found


def measure(
    server: Server,
    url: str,
    who: Identities,
    folder: Path,
    args: argparse.Namespace,
    measured: dict[str, Measured],
) -> list[Measured]:
    scripts = {
        e.name: wrk.write_script(
            folder / f"{e.name.replace(' ', '_')}.lua",
            e.path,
            _header(e.caller),
            getattr(who, e.caller),
        )
        for e in ENDPOINTS
    }
    order = [e for e in ENDPOINTS if not e.company_wide]
    last = [e for e in ENDPOINTS if e.company_wide and measured[e.name].skipped is None]
    for number in range(1, args.rounds + 1):
        print(f"round {number} of {args.rounds}")
        for endpoint in order + last:
            script = scripts[endpoint.name]
            if args.warmup > 0:
                wrk.run(server_url(server), script, seconds=args.warmup,
                        connections=args.connections)  # fmt: skip
            workers = worker_pids(server.process.pid)
            backends = database_backends(url)
            before = cpu_seconds(workers), cpu_seconds(backends)
            result = wrk.run(
                server_url(server), script, seconds=args.seconds, connections=args.connections,
                threads=args.threads, timeout_seconds=args.timeout,
            )  # fmt: skip
            backends |= database_backends(url)
            after = cpu_seconds(workers), cpu_seconds(backends)
            done = max(result.requests, 1)
            row = {
                **asdict(result),
                "worker_cpu_ms": round(spent(before[0], after[0]) * 1000 / done, 2),
                "database_cpu_ms": round(spent(before[1], after[1]) * 1000 / done, 2),
            }
            measured[endpoint.name].rounds.append(row)
            print(
                f"  {endpoint.name:<16} {result.requests_per_second:>8.1f} req/s  "
                f"p50 {result.p50_ms:>7.1f} ms  p99 {result.p99_ms:>7.1f} ms  "
                f"errors {result.socket_errors + result.non_2xx}"
            )
            if endpoint.company_wide:
                settle(url)
        order = order[1:] + order[:1]
    return _summarise(measured)


def settle(url: str, seconds: float = 60) -> None:
    """Waits until no statement of the benchmark's database is running (a worker gunicorn
    killed leaves its query running on the server); cancels what still runs after
    ``seconds``, so the next endpoint is measured on an idle database."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    running = sa.text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'active' AND pid <> pg_backend_pid()"
    )
    try:
        deadline = time.monotonic() + seconds
        with engine.connect() as conn:
            while conn.scalars(running).all() and time.monotonic() < deadline:
                conn.rollback()
                time.sleep(1)
            for pid in conn.scalars(running):
                conn.execute(sa.text("SELECT pg_cancel_backend(:pid)"), {"pid": pid})
    finally:
        engine.dispose()


def server_url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


def _summarise(measured: dict[str, Measured]) -> list[Measured]:
    floor = measured["floor"].rounds
    for endpoint in ENDPOINTS:
        m = measured[endpoint.name]
        rounds = m.rounds
        if not rounds:  # skipped: its checks say why
            continue
        m.requests_per_second = round(
            statistics.median(r["requests_per_second"] for r in rounds), 1
        )
        m.p50_ms = round(statistics.median(r["p50_ms"] for r in rounds), 2)
        m.p99_ms = round(statistics.median(r["p99_ms"] for r in rounds), 2)
        m.share_of_floor = round(
            statistics.median(
                r["requests_per_second"] / f["requests_per_second"]
                for r, f in zip(rounds, floor, strict=True)
            ),
            3,
        )
        m.worker_cpu_ms = round(statistics.median(r["worker_cpu_ms"] for r in rounds), 2)
        m.database_cpu_ms = round(statistics.median(r["database_cpu_ms"] for r in rounds), 2)
        m.errors = sum(r["socket_errors"] + r["non_2xx"] for r in rounds)
        answered = all(r["requests"] > 0 for r in rounds)
        m.meets_target = answered and m.p99_ms < TARGET_P99_MS and m.errors == 0
        if endpoint.employee_page:
            m.meets_target = m.meets_target and m.share_of_floor >= TARGET_SHARE
    return [measured[e.name] for e in ENDPOINTS]


def print_table(results: list[Measured]) -> None:
    print(
        f"\n{'endpoint':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x floor':>8} "
        f"{'app CPU ms':>10} {'db CPU ms':>9} {'errors':>6}  target"
    )
    for r in results:
        if r.skipped:
            print(f"{r.name:<16} not loaded: {r.skipped}  MISSED")
            continue
        print(
            f"{r.name:<16} {r.requests_per_second:>8.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
            f"{r.share_of_floor:>8.2f} {r.worker_cpu_ms:>10.1f} {r.database_cpu_ms:>9.1f} "
            f"{r.errors:>6}  {'met' if r.meets_target else 'MISSED'}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--pg", default=PG, help="PostgreSQL server URL")
    parser.add_argument("--reuse", help="measure this database (e.g. bench_pages --keep)")
    parser.add_argument("--measured", type=int, help="with --reuse: the measured employee")
    parser.add_argument("--rebuild", action="store_true", help="build the cached database again")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--seconds", type=float, default=15.0, help="each measured wrk run")
    parser.add_argument("--warmup", type=float, default=3.0, help="wrk before each run")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--connections", type=int, help="wrk's open connections (default: one per worker)"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--timeout", type=float, default=5.0, help="wrk's request timeout")
    parser.add_argument(
        "--check-timeout", type=float, default=60.0, help="seconds a single request may take"
    )
    parser.add_argument("--sample", type=int, default=1000, help="employees signed in")
    parser.add_argument("--tokens", type=int, default=200, help="API tokens among them")
    parser.add_argument("--seed", default="2026")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    args.connections = args.connections or args.workers
    wrk.binary()
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    if args.reuse:
        if args.measured is None:
            parser.error("--reuse needs --measured")
        url, measured = args.reuse, args.measured
    else:
        url, measured = cached_database(args.pg, args.employees, args.rebuild, str(folder))
    migrate.upgrade(url)
    config = production_config(folder, url)
    who = identities(config, measured, args.sample, args.tokens, args.seed)
    print(
        f"{len(who.employee)} employee sessions, {len(who.api)} API tokens, "
        f"{len(who.admin)} administrators; {args.workers} sync workers"
    )
    load_before = os.getloadavg()
    server = Server(config, _free_port(), args.workers, folder / "server.log")
    try:
        server.wait_ready()
        checked = {
            e.name: check(server, e, getattr(who, e.caller), args.check_timeout) for e in ENDPOINTS
        }
        settle(url)
        results = measure(server, url, who, folder, args, checked)
    finally:
        server.stop()
    print_table(results)
    print(f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"server log (one JSON line per request, with its duration): {server.log}")
    if args.json:
        document = {
            "database": url,
            "employees": args.employees if not args.reuse else None,
            "measured_employee": measured,
            "workers": args.workers,
            "cores": os.cpu_count(),
            "wrk": {k: getattr(args, k) for k in WRK_OPTIONS},
            "sample": {
                "sessions": len(who.employee),
                "tokens": len(who.api),
                "administrators": len(who.admin),
            },
            "load_average": {"before": load_before[0], "after": os.getloadavg()[0]},
            "targets": {"p99_ms": TARGET_P99_MS, "share_of_floor": TARGET_SHARE},
            "endpoints": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(document, indent=2))
        print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
