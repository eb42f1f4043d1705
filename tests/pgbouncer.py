"""A PgBouncer in transaction mode for system tests, in front of the test PostgreSQL server.

Its own folder, config and free port on 127.0.0.1; as root it runs as the ``postgres`` user
(PgBouncer refuses root). ``default_pool_size`` is kept small, so that the clients' transactions
really do take turns on a few server connections, as they do in production.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tests.pg_cluster import as_postgres
from tests.support import free_port, need


@contextmanager
def pgbouncer(server_url: str, *, pool_size: int = 2) -> Iterator[str]:
    """PgBouncer for every database of ``server_url``'s server; yields the server URL to use
    instead (append "/dbname")."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    need("PgBouncer", Path(binary).is_file(), "apt-get install pgbouncer")
    prefix = as_postgres()
    folder = Path(tempfile.mkdtemp(prefix="ccpgb-"))
    server = sa.make_url(server_url)
    port = free_port()
    (folder / "userlist.txt").write_text(f'"{server.username}" ""\n', encoding="utf-8")
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={server.host} port={server.port or 5432}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "userlist.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
logfile = {folder / "pgbouncer.log"}
""",
        encoding="utf-8",
    )
    if prefix:
        shutil.chown(folder, "postgres", "postgres")
        for path in folder.iterdir():
            shutil.chown(path, "postgres", "postgres")
    process = subprocess.Popen(
        [*prefix, binary, str(folder / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, process, folder)
        yield f"{server.drivername}://{server.username}@127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(20)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (folder / "pgbouncer.log").read_text(errors="replace")
            raise RuntimeError(f"pgbouncer exited ({process.returncode}): {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"pgbouncer did not listen on {port}")
