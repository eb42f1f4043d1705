"""A throwaway PostgreSQL cluster the fault tests may stop and start (never the shared server).

``initdb`` into a temporary folder, trust authentication, a free port on 127.0.0.1 and the
Unix socket in the same short folder; as root the server runs as the ``postgres`` user
(initdb and pg_ctl refuse root). ``fsync`` is off: a test cluster is thrown away.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.db import migrate
from tests.support import free_port, need


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian's layout), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


def as_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        need("PostgreSQL server", False, "running as root needs the 'postgres' user for initdb")
    return ["runuser", "-u", "postgres", "--"]


class Cluster:
    """One PostgreSQL cluster: start, stop (as an outage would), databases in it."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.prefix = as_postgres()
        self.root = Path(tempfile.mkdtemp(prefix="ccpg-"))  # short: the socket path is limited
        if self.prefix:
            shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = free_port()
        self.running = False
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self.start()
        self._admin = sa.create_engine(
            f"{self.server_url}/postgres", isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
        )

    @property
    def server_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self.prefix, str(self.binaries / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self) -> float:
        """Starts the server and waits until it accepts connections; the seconds it took."""
        began = time.monotonic()
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "30",
            "start", "-o", options,
        )  # fmt: skip
        self.running = True
        return time.monotonic() - began

    def ensure_running(self) -> None:
        if not self.running:
            self.start()

    def stop(self, mode: str = "fast") -> None:
        """Stops the server: "fast" ends every session (a restart), "immediate" as a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        self.running = False

    def create_database(self, template: str | None = None) -> str:
        name = f"cc_{uuid.uuid4().hex[:12]}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with self._admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
        return name

    def drop_database(self, name: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def url(self, database: str, password: str | None = None) -> str:
        """The database's URL; a password is ignored by trust authentication, so a test can
        check that it is never shown."""
        auth = f"postgres:{password}" if password else "postgres"
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        self._admin.dispose()
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A running cluster with a migrated template database ``cc_template``; skipped (or
    failed under CORP_CARBON_REQUIRE_SYSTEM=1) when the server binaries are missing."""
    binaries = server_binaries()
    need("PostgreSQL server (initdb, pg_ctl)", binaries is not None, "/usr/lib/postgresql/*/bin")
    assert binaries is not None
    cluster = Cluster(binaries)
    try:
        with cluster._admin.connect() as connection:
            connection.execute(sa.text('CREATE DATABASE "cc_template"'))
        migrate.upgrade(cluster.url("cc_template"))
        yield cluster
    finally:
        cluster.remove()
