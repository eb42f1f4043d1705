"""Helpers for tests: system-component checks, free ports, waiting for servers."""

from __future__ import annotations

import os
import socket
import time

import pytest

INSTALL_HINT = "run scripts/install-system-deps.sh (or make system-deps)"


def need(component: str, available: bool, reason: str = "") -> None:
    """Skip when a system component is missing; fail instead when CI requires everything."""
    if available:
        return
    message = (
        f"{component} missing ({reason}); {INSTALL_HINT}"
        if reason
        else f"{component} missing; {INSTALL_HINT}"
    )
    if os.environ.get("CORP_CARBON_REQUIRE_SYSTEM") == "1":
        pytest.fail(f"CORP_CARBON_REQUIRE_SYSTEM=1 and {message}")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException as exc:  # not listening yet, or no worker booted yet
            last = exc
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")
