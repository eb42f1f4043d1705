"""The employee's carbon account in a few aggregate queries: no loop over trips in Python.

Footprint and avoided emissions come from each confirmed trip's current assessment (the
newest methodology version it was assessed under, ``db.queries.current_assessment``), so
the figures add up to what the trip pages show. Points come from the ledger: what was
credited for the trips of a month, net of reversals (a trip cancelled later gives its
points back in the month it was made) and after the methodology's caps, so they add up to
the balance rather than to what the trips would have earned uncapped.

Every query is per employee and indexed (``ix_activities_employee_date``,
``ix_ledger_entries_account_id_id``), so the page costs the same in a company of 100,000.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.config import Settings
from corp_carbon.db.models import (
    Activity,
    Assessment,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)
from corp_carbon.db.queries import COUNTABLE, activities_for, current_assessment
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.account import (
    AccountSummary,
    Figures,
    Glance,
    YearMonth,
    avoided_behind,
    balance_value,
    month_key,
    period_figures,
    rewards_in_reach,
    year_choices,
    year_months,
)
from corp_carbon.domain.vocabulary import ActivityKind
from corp_carbon.services.rewards.catalogue import list_rewards

#: how many trips "recent activity" lists.
RECENT = 5
Cells = dict[tuple[YearMonth, ActivityKind], Figures]


def account_summary(
    uow: UnitOfWork,
    settings: Settings,
    employee_id: int,
    *,
    year: int | None = None,
    today: date | None = None,
) -> AccountSummary:
    """The employee's account for ``year`` (default: the current one) as of ``today``."""
    day = today or datetime.now(UTC).date()
    shown = year or day.year
    with uow:
        session = uow.session
        cells, years_with_trips = _trip_cells(session, employee_id)
        balance = _add_points(session, employee_id, cells)
        rewards = [
            (r.id, r.name, r.cost_points)
            for r in list_rewards(session, active_only=True)
            if r.stock is None or r.stock > 0
        ]
        recent = tuple(activities_for(session, employee_id, limit=RECENT))
    lifetime = sum(cells.values(), Figures())
    affordable, reachable, upcoming = rewards_in_reach(balance, rewards)
    this_month = (day.year, day.month)
    return AccountSummary(
        year=shown,
        today=day,
        balance_points=balance,
        balance_value=balance_value(balance, settings.rewards.point_value),
        currency=settings.rewards.point_currency,
        balance_avoided_kg=avoided_behind(balance, lifetime.avoided_kg_co2e, lifetime.points),
        month=period_figures(month_key(*this_month), cells, [this_month]),
        year_figures=period_figures(str(shown), cells, [(shown, m) for m in range(1, 13)]),
        months=year_months(shown, cells),
        years=year_choices(years_with_trips, day),
        affordable=affordable,
        affordable_count=reachable,
        next_reward=upcoming,
        recent=recent,
        has_trips=bool(recent),
    )


def glance(
    uow: UnitOfWork, settings: Settings, employee_id: int, *, today: date | None = None
) -> Glance:
    """The widget's figures: balance, this month and the latest trip (three small queries)."""
    day = today or datetime.now(UTC).date()
    first = date(day.year, day.month, 1)
    with uow:
        session = uow.session
        cells, _ = _trip_cells(session, employee_id, since=first)
        balance = _add_points(session, employee_id, cells)
        latest = next(iter(activities_for(session, employee_id, limit=1)), None)
    this_month = (day.year, day.month)
    return Glance(
        balance_points=balance,
        balance_value=balance_value(balance, settings.rewards.point_value),
        currency=settings.rewards.point_currency,
        month=period_figures(month_key(*this_month), cells, [this_month]),
        latest=latest,
    )


# --- the queries ---------------------------------------------------------------------------


def _month_columns() -> tuple[sa.ColumnElement[int], sa.ColumnElement[int]]:
    return (
        sa.extract("year", Activity.travel_date).label("year"),
        sa.extract("month", Activity.travel_date).label("month"),
    )


def _trip_cells(
    session: Session, employee_id: int, *, since: date | None = None
) -> tuple[Cells, set[int]]:
    """Confirmed trips, footprint and avoided kg per (month, kind) from the current
    assessments; and the years holding any trip at all (cancelled ones too)."""
    year, month = _month_columns()
    counted = Activity.status.in_(COUNTABLE)
    query = (
        sa.select(
            year,
            month,
            Activity.kind,
            sa.func.count().filter(counted),
            sa.func.sum(Assessment.kg_co2e).filter(counted),
            sa.func.sum(Assessment.avoided_kg_co2e).filter(counted),
        )
        .select_from(Activity)
        .outerjoin(Assessment, current_assessment())
        .where(Activity.employee_id == employee_id)
        .group_by(year, month, Activity.kind)
    )
    if since is not None:
        query = query.where(Activity.travel_date >= since)
    cells: Cells = {}
    years: set[int] = set()
    for y, m, kind, trips, kg, avoided in session.execute(query):
        years.add(int(y))
        cells[((int(y), int(m)), kind)] = Figures(
            trips=int(trips or 0),
            kg_co2e=_kg(kg),
            avoided_kg_co2e=_kg(avoided),
        )
    return cells, years


def _add_points(session: Session, employee_id: int, cells: Cells) -> int:
    """Adds the points credited for each (month, kind)'s trips to ``cells``; returns the
    balance (every entry of the employee's account: trips, rewards, adjustments, expiry)."""
    account = (
        sa.select(LedgerAccount.id)
        .where(LedgerAccount.employee_id == employee_id)
        .scalar_subquery()
    )
    year, month = _month_columns()
    query = (
        sa.select(year, month, Activity.kind, sa.func.sum(LedgerEntry.amount))
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(Activity, Activity.id == LedgerTransaction.activity_id)
        .where(LedgerEntry.account_id == account)
        .group_by(year, month, Activity.kind)
    )
    balance = 0
    for y, m, kind, points in session.execute(query):
        balance += int(points)
        if kind is None:  # a reward, an adjustment, expiry: the balance only
            continue
        key = ((int(y), int(m)), kind)
        found = cells.get(key, Figures())
        cells[key] = Figures(found.trips, found.kg_co2e, found.avoided_kg_co2e, int(points))
    return balance


def _kg(value: Decimal | None) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.001"))
