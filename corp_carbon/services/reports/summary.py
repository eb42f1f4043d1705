"""The summary of a period: rows by the asked dimensions, small groups merged, and the
business-travel (Scope 3 cat 6) and commuting (cat 7) totals apart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from corp_carbon.db.reports import report_cells
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.workbook import departments_known
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.reporting import Dimension, Summary, summarise


def period_summary(
    uow: UnitOfWork,
    date_from: date,
    date_to: date,
    dimensions: Sequence[Dimension],
    *,
    min_group_size: int,
) -> Summary:
    """Confirmed activities of [date_from, date_to] under their current assessment.

    Aggregates only: no row names an employee, and no group under ``min_group_size``
    employees can be read from it or recovered from the total.
    """
    if date_from > date_to:
        raise DomainError(f"from {date_from}: after to {date_to}")
    with uow:  # the cells are streamed into the summary, never held all at once
        return summarise(
            report_cells(uow.session, date_from, date_to, dimensions), dimensions, min_group_size
        )


def report_departments(uow: UnitOfWork) -> list[str]:
    """The departments a report can be limited to."""
    with uow:
        return departments_known(uow.session)
