"""The employee's carbon account as figures: footprint, avoided emissions and points by month,
the balance and what it stands for, and the rewards it reaches.

Pure values and functions, so the rules (which month a figure belongs to, what the balance
is worth, which reward is "within reach") are tested without a database. The service that
reads the figures is ``services.account.summary``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from corp_carbon.domain.activities import ActivityView
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import ActivityKind

#: the earliest year the account pages and the API accept.
MIN_YEAR = 2000
KG = Decimal("0.001")
MONEY = Decimal("0.01")
#: (year, month) of a calendar month.
YearMonth = tuple[int, int]


class InvalidYear(DomainError):
    """A ``year`` that is not a whole number in the accepted range; names the field."""

    http_status = 422
    code = "invalid_year"


@dataclass(frozen=True, slots=True)
class Figures:
    """Confirmed trips of one kind (or all) in a period: how many, their footprint, the
    emissions they avoided against their baselines, and the points credited for them."""

    trips: int = 0
    kg_co2e: Decimal = Decimal("0.000")
    avoided_kg_co2e: Decimal = Decimal("0.000")
    points: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.trips + other.trips,
            self.kg_co2e + other.kg_co2e,
            self.avoided_kg_co2e + other.avoided_kg_co2e,
            self.points + other.points,
        )


#: figures per (month, kind of trip).
Cells = Mapping[tuple[YearMonth, ActivityKind], Figures]


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """A month or a year, split into business travel (GHG Protocol category 6) and
    commuting (category 7)."""

    #: "2026-03" for a month, "2026" for a year.
    period: str
    business: Figures = Figures()
    commute: Figures = Figures()

    @property
    def total(self) -> Figures:
        return self.business + self.commute

    @property
    def empty(self) -> bool:
        return self.total.trips == 0 and self.total.points == 0


@dataclass(frozen=True, slots=True)
class RewardStep:
    """A reward seen from the balance: its cost and the points still missing (0: in reach)."""

    reward_id: int
    name: str
    cost_points: int
    points_needed: int


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """Everything the home page and ``GET /me/summary`` show, for one employee and year."""

    year: int
    today: date
    balance_points: int
    #: what the balance is worth: ``[rewards] point_value`` x points, in ``currency``.
    balance_value: Decimal
    currency: str
    #: the avoided kg CO2e the balance stands for, at the employee's own rate of points per
    #: kg avoided so far; None before any trip earned points.
    balance_avoided_kg: Decimal | None
    #: the current calendar month (whatever year is shown).
    month: PeriodFigures
    #: the year shown, all of it.
    year_figures: PeriodFigures
    #: January to December of the year shown.
    months: tuple[PeriodFigures, ...]
    #: years that have trips, and the current one, newest first (the year selector).
    years: tuple[int, ...]
    #: the cheapest reward the balance already reaches, and how many it reaches.
    affordable: RewardStep | None
    affordable_count: int
    #: the cheapest reward the balance does not reach yet.
    next_reward: RewardStep | None
    #: the newest trips, whatever their status.
    recent: tuple[ActivityView, ...] = field(default=())
    #: whether the employee has any trip at all (a new employee sees what will come).
    has_trips: bool = False


@dataclass(frozen=True, slots=True)
class Glance:
    """The widget's few figures: balance, this month, and the latest trip."""

    balance_points: int
    balance_value: Decimal
    currency: str
    month: PeriodFigures
    latest: ActivityView | None


# --- rules ---------------------------------------------------------------------------------


def parse_year(raw: str | None, today: date) -> int:
    """``raw`` as a year from ``MIN_YEAR`` to next year; the current year when blank."""
    text = (raw or "").strip()
    if not text:
        return today.year
    last = today.year + 1
    if not (text.isascii() and text.isdigit()) or not MIN_YEAR <= int(text) <= last:
        raise InvalidYear(f"year {text!r}: a whole number from {MIN_YEAR} to {last}")
    return int(text)


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def period_figures(
    period: str,
    cells: Mapping[tuple[YearMonth, ActivityKind], Figures],
    months: Iterable[YearMonth],
) -> PeriodFigures:
    """The figures of ``months`` added up per kind, from cells keyed by (month, kind)."""
    business = commute = Figures()
    for ym in months:
        business += cells.get((ym, ActivityKind.BUSINESS_TRAVEL), Figures())
        commute += cells.get((ym, ActivityKind.COMMUTE), Figures())
    return PeriodFigures(period, business, commute)


def year_months(year: int, cells: Cells) -> tuple[PeriodFigures, ...]:
    """January to December of ``year``, empty months included."""
    return tuple(period_figures(month_key(year, m), cells, [(year, m)]) for m in range(1, 13))


def balance_value(points: int, point_value: Decimal) -> Decimal:
    """What ``points`` are worth in money, to the cent (never below zero)."""
    return (max(points, 0) * point_value).quantize(MONEY)


def avoided_behind(balance: int, avoided_kg: Decimal, points_earned: int) -> Decimal | None:
    """The avoided kg CO2e a balance stands for, at the rate its owner earned points
    (kg avoided per point credited for trips); None before any trip earned points."""
    if points_earned <= 0 or avoided_kg <= 0:
        return None
    return (Decimal(max(balance, 0)) * avoided_kg / points_earned).quantize(KG)


def rewards_in_reach(
    balance: int, rewards: Iterable[tuple[int, str, int]]
) -> tuple[RewardStep | None, int, RewardStep | None]:
    """From (id, name, cost) of the rewards on offer: the cheapest the balance reaches, how
    many it reaches, and the cheapest it does not reach yet with the points still needed."""
    reached: list[RewardStep] = []
    ahead: list[RewardStep] = []
    for reward_id, name, cost in rewards:
        needed = max(cost - balance, 0)
        (ahead if needed else reached).append(RewardStep(reward_id, name, cost, needed))
    cheapest = min(reached, key=lambda r: (r.cost_points, r.name), default=None)
    upcoming = min(ahead, key=lambda r: (r.cost_points, r.name), default=None)
    return cheapest, len(reached), upcoming


def year_choices(years_with_trips: Iterable[int], today: date) -> tuple[int, ...]:
    """The years the selector offers: those with trips, and the current one, newest first."""
    years = {y for y in years_with_trips if MIN_YEAR <= y <= today.year + 1}
    years.add(today.year)
    return tuple(sorted(years, reverse=True))
