"""Read functions behind the ESG reports: figures grouped in the database, never per row here.

One aggregate query per report: GROUP BY the report's dimensions, the kind of activity and
the employee, so the caller can count distinct employees of any merge of groups exactly
(small-group suppression) from a result far smaller than the activities it sums.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import Activity
from corp_carbon.db.models import Assessment as AssessmentRow
from corp_carbon.db.queries import COUNTABLE, CurrentAssessment, current_assessment_of
from corp_carbon.domain.reporting import (
    HAUL_CABIN_SEPARATOR,
    ZERO_KG,
    Cell,
    Dimension,
    Figures,
    label,
)
from corp_carbon.domain.vocabulary import ActivityKind, Mode

#: rows fetched at a time from a streamed result.
STREAMED_ROWS = 10_000


def _month(session: Session) -> Any:
    """``YYYY-MM`` of the travel date, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(Activity.travel_date, "YYYY-MM")
    return sa.func.strftime("%Y-%m", Activity.travel_date)


def _haul_cabin(current: CurrentAssessment) -> Any:
    """``haul|cabin`` of a flight (either part empty when unknown); NULL for anything else."""
    haul = sa.func.coalesce(current.c.haul, "")
    cabin = sa.func.coalesce(sa.cast(Activity.cabin, sa.String), "")
    return sa.case((Activity.mode == Mode.AIR, haul + HAUL_CABIN_SEPARATOR + cabin), else_=None)


def _column(session: Session, dimension: Dimension, current: CurrentAssessment) -> Any:
    if dimension is Dimension.HAUL_CABIN:  # the one that needs the haul picked
        return _haul_cabin(current)
    return {
        Dimension.MONTH: _month(session),
        Dimension.MODE: Activity.mode,
        Dimension.DEPARTMENT: Activity.department,
        Dimension.OFFICE: Activity.office,
        Dimension.CATEGORY: Activity.kind,
    }[dimension]


def report_cells(
    session: Session, date_from: date, date_to: date, dimensions: Sequence[Dimension]
) -> Iterator[tuple[ActivityKind, Cell]]:
    """The confirmed activities of [date_from, date_to] with their current assessment,
    summed per (dimensions, kind, employee); unassessed activities count with 0 kg. The
    period's activities come from the travel date's index, each one's assessment by its own
    (``current_assessment_of``), so a month costs a month whatever the years stored."""
    stored = AssessmentRow
    picked = [stored.kg_co2e, stored.avoided_kg_co2e, stored.points]
    if Dimension.HAUL_CABIN in dimensions:
        picked.append(stored.haul)
    current = current_assessment_of(session, *picked)
    keys = [_column(session, d, current).label(f"k{i}") for i, d in enumerate(dimensions)]
    query = (
        sa.select(
            *keys,
            Activity.kind,
            Activity.employee_id,
            sa.func.sum(current.c.kg_co2e),
            sa.func.sum(current.c.avoided_kg_co2e),
            sa.func.sum(current.c.points),
            sa.func.count(),
            sa.func.sum(Activity.distance_km),
            sa.func.sum(Activity.nights),
        )
        .select_from(Activity)
        .outerjoin(current.source, current.on)
        .where(
            Activity.status.in_(COUNTABLE),
            Activity.travel_date >= date_from,
            Activity.travel_date <= date_to,
        )
        .group_by(*keys, Activity.kind, Activity.employee_id)
    )
    width = len(dimensions)
    # one row per employee and group: streamed (a server-side cursor on PostgreSQL), as a
    # year of a large company returns millions
    for row in session.execute(query.execution_options(yield_per=STREAMED_ROWS)):
        key = tuple(label(d, _text(row[i])) for i, d in enumerate(dimensions))
        kg, avoided, points, count, km, nights = row[width + 2 :]
        figures = Figures(
            kg_co2e=kg if kg is not None else ZERO_KG,
            avoided_kg_co2e=avoided if avoided is not None else ZERO_KG,
            points=int(points or 0),
            activities=int(count),
            distance_km=km if km is not None else ZERO_KG,
            nights=int(nights or 0),
        )
        yield ActivityKind(row[width]), Cell(key, row[width + 1], figures)


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))
