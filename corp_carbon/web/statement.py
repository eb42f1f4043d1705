"""The signed-in employee's statement, shared by the points page and ``GET /api/v1/me/ledger``."""

from __future__ import annotations

from corp_carbon.services.ledger import statements
from corp_carbon.web.access import current_employee
from corp_carbon.web.state import carbon

#: statement lines a page, on the page and in the API.
PAGE_SIZE = 100


def my_statement() -> tuple[int, list[statements.StatementLine]]:
    """The signed-in employee's balance and statement lines, newest first."""
    employee = current_employee()
    assert employee is not None
    with carbon().uow() as uow:
        lines = statements.statement(uow.session, employee.id)
    balance = lines[-1].running_balance if lines else 0
    return balance, list(reversed(lines))
