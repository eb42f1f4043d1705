"""Driving ``wrk`` (the Debian package) from Python: a Lua script that rotates identities, a
bounded run, and its figures parsed from the ``--latency`` report.

Each request takes the next identity of the list (a session cookie or an API token), in
turn, starting at a different place per wrk thread, so the load is spread over many
employees and no one session is hot in any cache of the server.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: wrk's units of time, in milliseconds.
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.M)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")

_SCRIPT = """-- made by benchmarks/wrk.py: {count} identities, taken in turn
local values = {{
{values}
}}
local header = "{header}"
local path = "{path}"
local n = 0
local threads = 0

function setup(thread)
  thread:set("first", threads * 7919)
  threads = threads + 1
end

function init(args)
  n = first or 0
end

function request()
  n = n + 1
  return wrk.format("GET", path, {{ [header] = values[(n % #values) + 1] }})
end
"""


class WrkMissing(RuntimeError):
    """wrk is not installed (``apt-get install wrk``, or ``make system-deps``)."""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    #: connect, read, write and timeout errors, as wrk counts them.
    socket_errors: int
    timeouts: int
    #: answers with a 4xx or 5xx status (redirects count as success in wrk: check beforehand).
    non_2xx: int


def binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkMissing("wrk not found: apt-get install wrk (or make system-deps)")
    return found


def write_script(target: Path, path: str, header: str, values: list[str]) -> Path:
    """A Lua script GETting ``path`` with ``header: value``, the values taken in turn."""
    if not values:
        raise ValueError("at least one identity is needed")
    quoted = ",\n".join(f"  {_lua_string(v)}" for v in values)
    target.write_text(
        _SCRIPT.format(count=len(values), values=quoted, header=header, path=_lua_text(path))
    )
    return target


def _lua_text(value: str) -> str:
    if any(c in value for c in '"\\\n\r'):
        raise ValueError(f"not usable in the Lua script: {value!r}")
    return value


def _lua_string(value: str) -> str:
    return f'"{_lua_text(value)}"'


def run(
    url: str,
    script: Path,
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
    timeout_seconds: float = 5.0,
) -> WrkResult:
    """One bounded wrk run against ``url`` (scheme, host and port; the script adds the path)."""
    argv = [
        binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        f"--timeout={timeout_seconds:g}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)


def parse(report: str) -> WrkResult:
    """The figures of a ``wrk --latency`` report."""
    latencies = {int(p): float(v) * _UNITS[u] for p, v, u in _LATENCY.findall(report)}
    rate = _RATE.search(report)
    total = _TOTAL.search(report)
    if rate is None or total is None or len(latencies) < 4:
        raise ValueError(f"not a wrk --latency report:\n{report}")
    socket = _SOCKET.search(report)
    errors = [int(x) for x in socket.groups()] if socket else [0, 0, 0, 0]
    non_2xx = _NON_2XX.search(report)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=float(total.group(2)) * _UNITS[total.group(3)] / 1000,
        requests_per_second=float(rate.group(1)),
        p50_ms=latencies[50],
        p75_ms=latencies[75],
        p90_ms=latencies[90],
        p99_ms=latencies[99],
        socket_errors=sum(errors),
        timeouts=errors[3],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )
