"""CPU seconds of processes on this machine, from ``/proc`` (Linux): a server's workers, and
the PostgreSQL backends serving one database (the server runs here too, in the benchmarks)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone, or not ours to read
        return None
    # the command name may hold spaces and brackets: the fields follow its last ")"
    return raw[raw.rindex(")") + 2 :].split()


def worker_pids(parent: int) -> set[int]:
    """The children of ``parent`` (a gunicorn master's workers)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == parent:
                found.add(int(entry.name))
    return found


def database_backends(url: str) -> set[int]:
    """The server processes connected to the database of ``url`` right now."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            pids = conn.scalars(
                sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            )
            return {int(p) for p in pids}
    finally:
        engine.dispose()


def cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    """User and system CPU seconds of each of ``pids`` so far (a process gone is left out)."""
    found = {}
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            found[pid] = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
    return found


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes alive at the second (one
    started in between counts whole; one gone in between is lost)."""
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())
