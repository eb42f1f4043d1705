"""Pulls over SFTP from a real SSH server (asyncssh) on 127.0.0.1, checked with paramiko."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncssh
import pytest
import sqlalchemy as sa

from corp_carbon.config import SourceConfig
from corp_carbon.db.models import ImportRun
from corp_carbon.db.session import make_engine, make_session_factory
from corp_carbon.domain.vocabulary import ImportRunStatus
from corp_carbon.jobs import tasks
from corp_carbon.jobs.scheduler import build_scheduler
from corp_carbon.jobs.tasks import Runtime
from corp_carbon.services.imports import pull
from corp_carbon.services.imports.locations import PullError
from tests.conftest import make_settings
from tests.support import free_port

pytestmark = pytest.mark.slow

USER = "carbon"
PASSWORD = "s3cret-sftp"
PASSWORD_ENV = "CC_TEST_SFTP_PASSWORD"
EXPORT = Path(__file__).resolve().parents[1] / "connectors/golden/navan/navan_bookings_export.csv"
FINISHED = {ImportRunStatus.SUCCEEDED, ImportRunStatus.COMPLETED_WITH_ERRORS}


class SftpServer:
    """An asyncssh SFTP server on its own event loop thread, serving ``root`` as "/"."""

    def __init__(self, root: Path, port: int, host_key: Any, client_key: Any) -> None:
        self.root, self.port = root, port
        self.host_key, self.client_key = host_key, client_key
        self.opened: list[str] = []  # files opened for reading, as the client named them
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.listener: Any = None
        self.connections: list[Any] = []

    def start(self) -> None:
        self.thread.start()
        self.listener = asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)

    async def _listen(self) -> Any:
        server = self

        class Auth(asyncssh.SSHServer):
            def connection_made(self, conn: Any) -> None:
                server.connections.append(conn)

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                return username == USER and password == PASSWORD

        class Files(asyncssh.SFTPServer):
            def __init__(self, chan: Any) -> None:
                super().__init__(chan, chroot=str(server.root).encode())

            def open(self, path: bytes, pflags: int, attrs: Any) -> Any:
                if not pflags & asyncssh.FXF_WRITE:
                    server.opened.append(path.decode())
                return super().open(path, pflags, attrs)

        authorized = asyncssh.import_authorized_keys(
            self.client_key.export_public_key().decode().strip()
        )
        return await asyncssh.listen(
            "127.0.0.1",
            self.port,
            server_host_keys=[self.host_key],
            authorized_client_keys=authorized,
            server_factory=Auth,
            sftp_factory=Files,
        )

    def stop(self) -> None:
        async def close() -> None:
            self.listener.close()
            await self.listener.wait_closed()
            for conn in self.connections:  # the listener leaves accepted connections open
                conn.close()
                await conn.wait_closed()

        if self.listener is not None:
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
            self.listener = None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Any]:
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    client_key.write_private_key(str(key_file), format_name="openssh")
    key_file.chmod(0o600)
    return {"host": host_key, "client": client_key, "client_file": key_file}


def known_hosts(tmp_path: Path, port: int, key: Any, name: str = "known_hosts") -> Path:
    path = tmp_path / name
    public = key.export_public_key().decode().split()[:2]
    path.write_text(f"[127.0.0.1]:{port} {' '.join(public)}\n", encoding="utf-8")
    return path


@pytest.fixture
def served(tmp_path: Path) -> Path:
    root = tmp_path / "sftp-root"
    (root / "exports").mkdir(parents=True)
    return root


@pytest.fixture
def start_server(keys: dict[str, Any], served: Path) -> Iterator[Callable[[int], SftpServer]]:
    servers: list[SftpServer] = []

    def start(port: int) -> SftpServer:
        server = SftpServer(served, port, keys["host"], keys["client"])
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def make_runtime(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Runtime]]:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    made: list[Runtime] = []

    def make(port: int, **source: Any) -> Runtime:
        values = {
            "name": "navan-sftp",
            "connector": "navan",
            "location": f"sftp://{USER}@127.0.0.1:{port}/exports",
            "password_env": PASSWORD_ENV,
            "known_hosts": str(tmp_path / "known_hosts"),
            "settle_seconds": 0,
            **source,
        }
        settings = make_settings(
            db_url, tmp_path, scheduler={"retry_attempts": 3, "retry_backoff_seconds": 30}
        )
        settings = settings.model_copy(update={"sources": [SourceConfig(**values)]})
        engine = make_engine(db_url)
        rt = Runtime(settings, engine, make_session_factory(engine))
        made.append(rt)
        return rt

    yield make
    for rt in made:
        if rt.scheduler is not None and rt.scheduler.running:
            rt.scheduler.shutdown(wait=False)
        rt.engine.dispose()
    tasks.set_runtime(None)


def put(served: Path, name: str, first: int, last: int) -> None:
    lines = EXPORT.read_text(encoding="utf-8").splitlines(keepends=True)
    path = served / "exports" / name
    path.write_text("".join([lines[0], *lines[first : last + 1]]), encoding="utf-8")
    old = time.time() - 60
    os.utime(path, (old, old))


def runs(rt: Runtime) -> list[ImportRun]:
    with rt.uow() as uow:
        found = list(uow.session.scalars(sa.select(ImportRun).order_by(ImportRun.id)))
        uow.session.expunge_all()
        return found


def test_files_are_pulled_imported_once_and_renamed(
    make_runtime: Callable[..., Runtime],
    start_server: Callable[[int], SftpServer],
    keys: dict[str, Any],
    served: Path,
    tmp_path: Path,
) -> None:
    port = free_port()
    start_server(port)
    known_hosts(tmp_path, port, keys["host"])
    rt = make_runtime(port, after="move")
    put(served, "navan-2.csv", 5, 12)
    put(served, "navan-1.csv", 1, 4)

    result = pull.pull_source(rt.uow, rt.settings, rt.settings.sources[0])

    assert [(f.name, f.status) for f in result.files] == [
        ("navan-1.csv", "imported"),
        ("navan-2.csv", "imported"),
    ]
    assert sorted(p.name for p in (served / "exports").iterdir()) == [
        "navan-1.csv.imported",
        "navan-2.csv.imported",
    ]
    done = runs(rt)
    assert [r.file_name for r in done] == ["navan-1.csv", "navan-2.csv"]
    assert {r.status for r in done} <= FINISHED
    assert not list((tmp_path / "pull").iterdir())  # downloads cleaned up

    again = pull.pull_source(rt.uow, rt.settings, rt.settings.sources[0])
    assert again.files == []
    assert len(runs(rt)) == 2


def test_remember_leaves_files_and_does_not_download_them_again(
    make_runtime: Callable[..., Runtime],
    start_server: Callable[[int], SftpServer],
    keys: dict[str, Any],
    served: Path,
    tmp_path: Path,
) -> None:
    port = free_port()
    server = start_server(port)
    known_hosts(tmp_path, port, keys["host"])
    rt = make_runtime(port, after="remember", key_file=str(keys["client_file"]), password_env="")
    put(served, "navan.csv", 1, 4)

    first = pull.pull_source(rt.uow, rt.settings, rt.settings.sources[0])
    assert [f.status for f in first.files] == ["imported"]
    assert server.opened == ["/exports/navan.csv"]

    second = pull.pull_source(rt.uow, rt.settings, rt.settings.sources[0])
    assert second.files == []
    assert server.opened == ["/exports/navan.csv"]  # not downloaded again
    assert (served / "exports" / "navan.csv").exists()
    assert len(runs(rt)) == 1


def test_an_unknown_host_key_is_refused(
    make_runtime: Callable[..., Runtime],
    start_server: Callable[[int], SftpServer],
    served: Path,
    tmp_path: Path,
) -> None:
    port = free_port()
    start_server(port)
    other = asyncssh.generate_private_key("ssh-ed25519")
    known_hosts(tmp_path, port, other)  # some other server's key under this address
    rt = make_runtime(port)
    put(served, "navan.csv", 1, 4)

    with pytest.raises(PullError):
        pull.pull_source(rt.uow, rt.settings, rt.settings.sources[0])
    (run,) = runs(rt)
    assert run.status == ImportRunStatus.FAILED
    assert run.error is not None
    assert run.error.startswith(f"sftp://{USER}@127.0.0.1:{port}/exports: ")
    assert "key" in run.error.lower()
    assert (served / "exports" / "navan.csv").exists()


def test_wrong_password_and_missing_password_variable_are_readable(
    make_runtime: Callable[..., Runtime],
    start_server: Callable[[int], SftpServer],
    keys: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    port = free_port()
    start_server(port)
    known_hosts(tmp_path, port, keys["host"])
    rt = make_runtime(port)
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    with pytest.raises(PullError, match="AuthenticationException: Authentication failed"):
        pull.pull_source(rt.uow, rt.settings, rt.settings.sources[0])
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(PullError, match=f"environment variable {PASSWORD_ENV} .* not set"):
        pull.pull_source(rt.uow, rt.settings, rt.settings.sources[0])
    assert [r.status for r in runs(rt)] == [ImportRunStatus.FAILED] * 2


def test_server_down_is_a_failed_run_and_a_retry_that_then_imports(
    make_runtime: Callable[..., Runtime],
    start_server: Callable[[int], SftpServer],
    keys: dict[str, Any],
    served: Path,
    tmp_path: Path,
) -> None:
    port = free_port()
    known_hosts(tmp_path, port, keys["host"])
    rt = make_runtime(port)
    rt.scheduler = build_scheduler(rt.settings, rt.engine)
    rt.scheduler.start(paused=True)
    tasks.set_runtime(rt)
    put(served, "navan.csv", 1, 4)

    tasks.pull_source("navan-sftp")  # nothing listens on the port yet

    (failed,) = runs(rt)
    assert failed.status == ImportRunStatus.FAILED
    assert failed.file_name == f"sftp://{USER}@127.0.0.1:{port}/exports"
    assert failed.error is not None
    assert failed.error.startswith(
        f"sftp://{USER}@127.0.0.1:{port}/exports: cannot connect: Connection refused"
    )
    assert failed.error.endswith("(attempt 1 of 3; retry in 30 s)")
    retry_job = rt.scheduler.get_job("retry:pull:navan-sftp")
    assert retry_job is not None
    assert retry_job.kwargs == {"attempt": 2}
    due = retry_job.next_run_time - datetime.now(UTC)
    assert timedelta(seconds=20) < due <= timedelta(seconds=30)

    start_server(port)
    tasks.pull_source("navan-sftp", attempt=2)  # what the retry job runs

    _failed, imported = runs(rt)
    assert imported.status in FINISHED
    assert imported.file_name == "navan.csv"
    assert rt.scheduler.get_job("retry:pull:navan-sftp") is None  # success cancels the retry
    assert (served / "exports" / "navan.csv.imported").exists()


def test_the_last_attempt_schedules_no_retry(
    make_runtime: Callable[..., Runtime], keys: dict[str, Any], tmp_path: Path
) -> None:
    port = free_port()
    known_hosts(tmp_path, port, keys["host"])
    rt = make_runtime(port)
    rt.scheduler = build_scheduler(rt.settings, rt.engine)
    rt.scheduler.start(paused=True)
    tasks.set_runtime(rt)

    tasks.pull_source("navan-sftp", attempt=3)

    (failed,) = runs(rt)
    assert failed.error is not None
    assert failed.error.endswith("(attempt 3 of 3; no more retries until the next run)")
    assert rt.scheduler.get_job("retry:pull:navan-sftp") is None
