"""Helpers for tests: system-component checks, CSRF tokens, free ports, waiting for servers."""

from __future__ import annotations

import os
import re
import socket
import time

import pytest
from flask.testing import FlaskClient

from corp_carbon.domain.people import Actor

#: who tests act as when they set data up (the audit log names them so).
OPERATOR = Actor(label="test-operator")

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


def csrf_in(page: str) -> str:
    """The CSRF token a page's forms carry (the page itself in the failure when it has none)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def csrf_token(client: FlaskClient, page: str = "/") -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    return csrf_in(client.get(page).get_data(as_text=True))


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
