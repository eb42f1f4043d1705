"""A tool reads the OpenAPI document and calls every operation with what it generates from it.

Schemathesis makes a few requests per operation that fit the document and a few that break
it, as an administrator's API token and as an employee's, on SQLite and PostgreSQL. Every answer must be no 5xx,
a documented status with a documented body, and a request that breaks the document must be
refused. Bounded and derandomised, so it is a quick, repeatable check in CI, not a fuzz run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings

from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people.tokens import create_token
from tests.support import OPERATOR

EXAMPLES = 5
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
#: what the document promises. Left out: positive_data_acceptance (the document cannot say
#: that an estimate needs places or a distance, or which places exist) and ignored_auth (the
#: token is sent with every request on purpose).
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.missing_required_header,
    schemathesis.checks.unsupported_method,
    schemathesis.checks.allow_header_conformance,
]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EMPLOYEE])
def test_every_operation_keeps_the_promises_of_the_document(
    app: Flask, uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile], role: Role
) -> None:
    """As an administrator (everything allowed) and as an employee (most of it 403)."""
    roles = () if role is Role.EMPLOYEE else (role.value,)
    create_employee(email="ada@example.com", name="Ada", roles=roles)
    raw, _ = create_token(uow, OPERATOR, employee="ada@example.com", role=role, name="fuzz")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25
    for operation in operations:
        for mode in MODES:

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                call()
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{mode.value} {operation.label}: {exc}")
    assert failures == []
