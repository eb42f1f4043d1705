"""The points programme of a period, as the overview and the ESG workbook report it.

The programme is an incentive scheme, not part of the inventory: avoided emissions are never
subtracted from the Scope 3 totals, and the points still held by employees are a liability
of the company at the configured value of a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

ZERO_KG = Decimal("0.000")


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in an ISO 4217 currency (never rounded here: pages round to show)."""

    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PointMovements:
    """Points moved on all employee accounts in a period, each as a positive number of points.

    ``opening + issued - reversed - net_redeemed - expired + adjusted == closing`` always holds:
    every entry of an employee account is one of these kinds (see ``reconciles``).
    """

    #: held by employees at the start of the period's first day.
    opening: int
    #: credited for assessed activities (earnings).
    issued: int
    #: taken back from earnings whose trip was cancelled, exchanged or found a duplicate.
    reversed: int
    #: held for rewards requested in the period (gross).
    redeemed: int
    #: given back from redemptions rejected or cancelled in the period.
    refunded: int
    #: expired, first in first out.
    expired: int
    #: credited and debited by hand by HR.
    adjusted_up: int
    adjusted_down: int
    #: held by employees at the end of the period's last day: the outstanding balance.
    closing: int

    @property
    def net_redeemed(self) -> int:
        """Redeemed minus refunded: what rewards actually took out of the accounts."""
        return self.redeemed - self.refunded

    @property
    def adjusted(self) -> int:
        """Net manual adjustments (negative when HR took more than it gave)."""
        return self.adjusted_up - self.adjusted_down

    @property
    def reconciles(self) -> bool:
        moved = self.issued - self.reversed - self.net_redeemed - self.expired + self.adjusted
        return self.opening + moved == self.closing


@dataclass(frozen=True, slots=True)
class AvoidedByCategory:
    """Avoided kg CO2e of a period's confirmed activities against one baseline."""

    business_travel: Decimal = ZERO_KG
    commuting: Decimal = ZERO_KG

    @property
    def total(self) -> Decimal:
        return self.business_travel + self.commuting


#: the two baselines a methodology can credit ("additionality"): the company's reference
#: (policy) baseline and the employee's declared usual commute.
REFERENCE: Final = "reference"
PERSONAL: Final = "personal"
BASELINES = (REFERENCE, PERSONAL)


def liability(outstanding: int, point_value: Money) -> Money:
    """Outstanding points at the value of a point, exact."""
    return Money(outstanding * point_value.amount, point_value.currency)


@dataclass(frozen=True, slots=True)
class PointsPosition:
    """The points part alone (what HR sees): no emissions figure needed, none computed."""

    date_from: date
    date_to: date
    points: PointMovements
    point_value: Money

    @property
    def outstanding(self) -> int:
        return self.points.closing

    @property
    def liability(self) -> Money:
        return liability(self.outstanding, self.point_value)


@dataclass(frozen=True, slots=True)
class ProgrammeFigures:
    """What the programme did in [date_from, date_to] and what it owes at its end."""

    date_from: date
    date_to: date
    points: PointMovements
    #: the money one point is worth (``[rewards] point_value`` and ``point_currency``).
    point_value: Money
    avoided_reference: AvoidedByCategory
    avoided_personal: AvoidedByCategory
    #: the baseline the current methodology credits points against (REFERENCE or PERSONAL);
    #: its figures are the stored assessments, the other one's are re-scored in memory.
    points_follow: str

    @property
    def outstanding(self) -> int:
        return self.points.closing

    @property
    def liability(self) -> Money:
        """The outstanding points at the value of a point, exact."""
        return liability(self.outstanding, self.point_value)

    @property
    def position(self) -> PointsPosition:
        return PointsPosition(self.date_from, self.date_to, self.points, self.point_value)

    def avoided(self, baseline: str) -> AvoidedByCategory:
        if baseline == REFERENCE:
            return self.avoided_reference
        if baseline == PERSONAL:
            return self.avoided_personal
        raise ValueError(f"baseline {baseline!r}: one of {', '.join(BASELINES)}")
