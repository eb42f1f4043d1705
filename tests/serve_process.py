"""A real ``corp-carbon serve`` (gunicorn) process for system tests: config file, start, stop.

The config is what an operator writes for production (mode production, long random secrets,
JSON logs) except that cookies are allowed over plain http on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import requests

from tests.support import free_port, wait_for_http

CLI = str(Path(sys.executable).with_name("corp-carbon"))


def production_config(folder: Path, db_url: str, more: str = "") -> Path:
    """A production config for ``db_url`` in ``folder`` (the scheduler's lock through
    direct_url, as behind PgBouncer); ``more`` is TOML added at the end."""
    config = folder / "corp-carbon.toml"
    config.write_text(
        f"""
[app]
mode = "production"
secret_key = "{secrets.token_hex(32)}"
instance_path = "{folder / "instance"}"
[privacy]
pseudonym_secret = "{secrets.token_hex(32)}"
[database]
url = "{db_url}"
direct_url = "{db_url}"
[session]
cookie_secure = false
[logging]
format = "json"
level = "INFO"
[server]
workers = 2
{more}
""",
        encoding="utf-8",
    )
    return config


class Served:
    """``corp-carbon serve`` on a free port of 127.0.0.1, its stdout (the access log) and
    stderr (everything else) in files of ``folder``."""

    def __init__(self, config: Path, folder: Path, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out_path = folder / f"serve-{self.port}.out"
        self.err_path = folder / f"serve-{self.port}.err"
        self._out: IO[bytes] = self.out_path.open("wb")
        self._err: IO[bytes] = self.err_path.open("wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CORP_CARBON_")}
        env["CORP_CARBON_CONFIG"] = str(config)
        if "CORP_CARBON_CACHE_DIR" in os.environ:  # the place index the tests share
            env["CORP_CARBON_CACHE_DIR"] = os.environ["CORP_CARBON_CACHE_DIR"]
        self.popen = subprocess.Popen(
            [CLI, "serve", "--bind", f"127.0.0.1:{self.port}", *args],
            env=env,
            stdout=self._out,
            stderr=self._err,
        )

    def wait_ready(self, timeout: float = 60) -> Served:
        try:
            wait_for_http(f"{self.base}/healthz", timeout)
        except TimeoutError:
            self.stop()
            raise AssertionError(f"corp-carbon serve did not start:\n{self.stderr()}") from None
        return self

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.base + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.base + path, timeout=60, **kwargs)

    def stdout(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    def access_log(self) -> list[dict[str, Any]]:
        """The access log's lines, each one JSON object (a line that is not fails here)."""
        return [json.loads(line) for line in self.stdout().splitlines() if line.strip()]

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, as a deployment stops it; its exit status (gunicorn gives workers
        [server] graceful_timeout, 30 s, before it kills them)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            status = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            status = self.popen.wait(10)
        self._out.close()
        self._err.close()
        return status
