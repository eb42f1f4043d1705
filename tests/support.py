"""Helpers for tests: system-component checks, CSRF tokens, free ports, waiting for servers."""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.web.access import (
    SESSION_EMPLOYEE,
    SESSION_LOGIN_METHOD,
    SESSION_ROLES,
    SESSION_VERSION,
)

#: who tests act as when they set data up (the audit log names them so).
OPERATOR = Actor(label="test-operator")

#: the directory of the reference (travel_formats.md §8.1): the travellers of the golden files.
DIRECTORY = [
    ("E1001", "zoe.mueller@example.com", "Zoë Müller"),
    ("E1002", "zhang.wei@example.com", "张伟"),
    ("E1003", "aoife.oconnor@example.com", "Aoife O'Connor"),
    ("E1004", "jose.alvarez@example.com", "José Álvarez-Peña"),
    ("E1005", "priya.raman@example.com", "Priya Raman"),
    ("E1006", "marcus.johnson@example.com", "Marcus Johnson"),
    ("E1007", "juergen.weiss@example.com", "Jürgen Weiß"),
    ("E1008", "lars.overgard@example.com", "Lars Øvergård"),
    ("E1009", "carmen.ruiz@example.com", "Carmen Ruiz"),
]


def add_directory(
    create_employee: Callable[..., EmployeeProfile], skip: tuple[str, ...] = ()
) -> dict[str, int]:
    """The reference directory (less the numbers in ``skip``): employee number -> id."""
    return {
        number: create_employee(email=email, name=name, employee_number=number).id
        for number, email, name in DIRECTORY
        if number not in skip
    }


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


def sign_in_session(
    client: FlaskClient, employee_id: int, *roles: str, session_version: int = 0
) -> None:
    """Puts an employee in the client's session, as a completed login would."""
    with client.session_transaction() as session:
        session[SESSION_EMPLOYEE] = employee_id
        session[SESSION_ROLES] = ["employee", *roles]
        session[SESSION_LOGIN_METHOD] = "test"
        session[SESSION_VERSION] = session_version


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
