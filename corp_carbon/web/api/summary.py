"""JSON API: the caller's carbon account in figures, as the home page shows it.

``GET /me/summary?year=YYYY``: the balance and what it is worth, the current month, the
year asked for and its twelve months, each split into business travel and commuting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from corp_carbon.domain.account import MIN_YEAR, AccountSummary, Figures, PeriodFigures, parse_year
from corp_carbon.services.account.summary import account_summary
from corp_carbon.web import params
from corp_carbon.web.access import current_employee, login_required
from corp_carbon.web.api.openapi import API_PREFIX, Error, Operation, Parameter, Reply, api_route
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    api_route(bp, MY_SUMMARY, api_my_summary, endpoint="api_my_summary")


# --- bodies -----------------------------------------------------------------------------------


class SummaryFigures(BaseModel):
    trips: int = Field(description="Confirmed trips (cancelled, replaced, duplicate never count).")
    kg_co2e: float = Field(description="Carbon footprint of those trips, kg CO2e.")
    avoided_kg_co2e: float = Field(
        description="Emissions avoided against each trip's baseline, kg CO2e."
    )
    points: int = Field(
        description="Points credited for those trips, after caps and net of reversals."
    )


class SummaryPeriod(SummaryFigures):
    period: str = Field(description='"YYYY-MM" for a month, "YYYY" for a year.')
    business: SummaryFigures = Field(description="Business travel (GHG Protocol category 6).")
    commute: SummaryFigures = Field(description="Commuting (GHG Protocol category 7).")


class RewardInReach(BaseModel):
    reward_id: int
    name: str
    cost_points: int
    points_needed: int = Field(description="Points still missing; 0 when the balance reaches it.")


class MySummary(BaseModel):
    balance_points: int = Field(description="Points balance: the sum of the ledger entries.")
    balance_value: float = Field(
        description="What the balance is worth: points x the configured point value, to the cent."
    )
    currency: str = Field(description="ISO 4217 currency of balance_value.")
    balance_avoided_kg_co2e: float | None = Field(
        description="The avoided kg CO2e the balance stands for, at the caller's own rate of "
        "points per kg avoided; null before any trip earned points."
    )
    month: SummaryPeriod = Field(description="The current calendar month, whatever the year.")
    year: SummaryPeriod = Field(description="The year asked for (default: the current one).")
    months: list[SummaryPeriod] = Field(
        description="January to December of that year.", min_length=12, max_length=12
    )
    next_reward: RewardInReach | None = Field(
        description="The cheapest reward on offer the balance does not reach yet."
    )


# --- the view ---------------------------------------------------------------------------------


@login_required
def api_my_summary() -> Response:
    """200: the caller's account; 400: an unknown parameter; 422: a bad ``year``."""
    params.reject_unknown([p.name for p in MY_SUMMARY.parameters])
    today = datetime.now(UTC).date()
    year = parse_year(request.args.get("year"), today)
    employee = current_employee()
    assert employee is not None  # login_required
    state = carbon()
    found = account_summary(state.uow(), state.settings, employee.id, year=year, today=today)
    return jsonify(_body(found).model_dump(mode="json"))


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "trips": f.trips,
        "kg_co2e": float(f.kg_co2e),
        "avoided_kg_co2e": float(f.avoided_kg_co2e),
        "points": f.points,
    }


def _period(p: PeriodFigures) -> SummaryPeriod:
    return SummaryPeriod(
        period=p.period,
        **_figures(p.total),
        business=SummaryFigures(**_figures(p.business)),
        commute=SummaryFigures(**_figures(p.commute)),
    )


def _body(s: AccountSummary) -> MySummary:
    upcoming = s.next_reward
    return MySummary(
        balance_points=s.balance_points,
        balance_value=float(s.balance_value),
        currency=s.currency,
        balance_avoided_kg_co2e=(
            None if s.balance_avoided_kg is None else float(s.balance_avoided_kg)
        ),
        month=_period(s.month),
        year=_period(s.year_figures),
        months=[_period(m) for m in s.months],
        next_reward=(
            None
            if upcoming is None
            else RewardInReach(
                reward_id=upcoming.reward_id,
                name=upcoming.name,
                cost_points=upcoming.cost_points,
                points_needed=upcoming.points_needed,
            )
        ),
    )


def _year_schema() -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": MIN_YEAR,
        "maximum": datetime.now(UTC).year + 1,
    }


# --- the API description --------------------------------------------------------------------

MY_SUMMARY = Operation(
    method="get",
    path=f"{API_PREFIX}/me/summary",
    operation_id="mySummary",
    summary="The caller's carbon account: balance, this month, a year and its twelve months",
    description=(
        "Footprint and avoided emissions come from each confirmed trip's current assessment; "
        "points from the ledger (credited for the trips of the month, after caps, net of "
        "reversals). Only the caller's own figures, with the browser session or an API token."
    ),
    parameters=(
        Parameter(
            "year",
            f"The year to sum up, {MIN_YEAR} to next year; default: the current year.",
            _year_schema,
            example="2026",
        ),
    ),
    responses=(
        Reply(200, "The caller's account.", MySummary),
        Reply(400, "An unknown parameter; the message names it.", Error),
        Reply(401, "No session and no valid API token.", Error),
        Reply(422, "A year that is not a whole number in range; the message names it.", Error),
    ),
    tags=("me",),
)
