"""The load benchmark (``benchmarks/bench_web.py``) runs end to end at 50 employees: it builds
and caches its database, starts gunicorn with the production settings, signs employees in
(cookies and API tokens), loads every endpoint with wrk and reports each; and wrk's report is
read right. PostgreSQL only, as the benchmark: it measures the production setup."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlalchemy as sa

from benchmarks import bench_web, web_setup, wrk
from tests.conftest import PG_SERVER
from tests.support import need

REPORT = """Running 2s test @ http://127.0.0.1:8000
  1 threads and 5 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.31ms    3.02ms  41.20ms   90.12%
    Req/Sec   601.05     40.12   650.00     80.00%
  Latency Distribution
     50%    7.84ms
     75%    9.01ms
     90%   10.50ms
     99%    1.02s
  1198 requests in 2.00s, 1.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    599.00
Transfer/sec:    563.21KB
"""


def test_wrk_report_is_read_with_its_units() -> None:
    result = wrk.parse(REPORT)
    assert result.requests == 1198
    assert result.requests_per_second == 599.0
    assert (result.p50_ms, result.p99_ms) == (7.84, 1020.0)
    assert (result.socket_errors, result.timeouts, result.non_2xx) == (3, 1, 4)


def test_the_benchmark_loads_every_endpoint(pg_admin: sa.Engine, tmp_path: Path) -> None:
    need("wrk", shutil.which("wrk") is not None, "the HTTP load generator")
    name = "bench_web_50"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    out = tmp_path / "web.json"
    try:
        argv = [
            "--employees", "50", "--pg", PG_SERVER, "--seconds", "2", "--warmup", "0",
            "--workers", "2", "--sample", "20", "--tokens", "5", "--json", str(out),
        ]  # fmt: skip
        assert bench_web.main(argv) == 0
        document = json.loads(out.read_text())
        endpoints = {e["name"]: e for e in document["endpoints"]}
        assert list(endpoints) == [e.name for e in bench_web.ENDPOINTS]
        for endpoint in endpoints.values():
            assert endpoint["skipped"] is None, endpoint
            assert endpoint["rounds"][0]["requests"] > 0, endpoint
            assert endpoint["errors"] == 0, endpoint
        assert endpoints["floor"]["share_of_floor"] == 1.0
        assert document["sample"]["sessions"] == 20
        assert document["sample"]["tokens"] == 5
        assert document["sample"]["administrators"] >= 1
        # a second run reuses the database its first run built
        assert web_setup.cached_database(PG_SERVER, 50, False, str(tmp_path))[1] > 0
    finally:
        with pg_admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
