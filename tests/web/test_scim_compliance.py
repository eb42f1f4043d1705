"""An independent SCIM 2.0 compliance check: scim2-tester against the app on a real HTTP
server (werkzeug, a free port), over a real database on both backends.

scim2-tester discovers the service from /ServiceProviderConfig, /ResourceTypes and /Schemas,
then creates, reads, lists (with attributes / excludedAttributes), searches, replaces, patches
(add, remove, replace on every published attribute) and deletes Users, and probes unknown
URLs and unsupported methods.

One adaptation: scim2-tester fills ``userName`` with a random UUID, while corp-carbon keys
employees by email and refuses a userName that is not an email address (400 invalidValue).
Its value generator is made to produce ``<uuid>@example.com`` for userName; every other value
is its own.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest
import scim2_tester.filling
from flask import Flask
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from werkzeug.serving import make_server

from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people.tokens import create_token
from tests.support import OPERATOR, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    port = free_port()
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/scim/v2"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


@pytest.fixture
def email_user_names(monkeypatch: pytest.MonkeyPatch) -> None:
    original = scim2_tester.filling.get_random_example_value

    def example(path: Any) -> Any:
        if str(path).casefold().endswith("username"):
            return f"{uuid.uuid4().hex[:16]}@example.com"
        return original(path)

    monkeypatch.setattr(scim2_tester.filling, "get_random_example_value", example)


def test_scim2_tester_finds_no_error(
    server: str,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    email_user_names: None,
) -> None:
    create_employee(email="it.admin@example.com", name="IT Admin", roles=("admin",))
    raw, _ = create_token(
        uow,
        OPERATOR,
        employee="it.admin@example.com",
        role=Role.ADMIN,
        name="scim2-tester",
        scopes=("scim",),
    )
    with httpx2.Client(
        base_url=server, headers={"Authorization": f"Bearer {raw}"}, timeout=30
    ) as http:
        results = check_server(SyncSCIMClient(http))

    failed = [
        f"{r.title}: {r.reason}" for r in results if r.status in (Status.ERROR, Status.CRITICAL)
    ]
    assert failed == []
    skipped = sorted({f"{r.title}: {r.reason}" for r in results if r.status is Status.SKIPPED})
    assert skipped == []  # nothing is left out: no check is skipped
    titles = {r.title for r in results if r.status is Status.SUCCESS}
    for check in (
        "service_provider_config_endpoint",
        "query_all_resource_types",
        "query_all_schemas",
        "access_schema_by_id",
        "random_url",
        "object_creation",
        "object_query",
        "object_query_without_id",
        "object_query_with_attributes",
        "object_list_with_attributes",
        "search_with_attributes",
        "object_replacement",
        "object_deletion",
        "check_add_attribute",
        "check_remove_attribute",
        "check_replace_attribute",
    ):
        assert check in titles, f"{check} did not succeed"
