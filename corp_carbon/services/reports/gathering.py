"""What the ESG report is made of: the request, the period's activities tallied as they stream
past, the previous period, commute coverage, and the same activities re-scored under other
factor sets for the comparison sheet.

Everything here reads; nothing is written. Sheets 1-7 report the stored assessments (the
figures points were issued on, each traceable on the Detail sheet); other factor sets are
applied in memory (``services.scoring.rescoring``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from corp_carbon.catalogue import Catalogue
from corp_carbon.config import Settings
from corp_carbon.db.workbook import (
    PublishedSet,
    Scope,
    StoredVersion,
    commute_coverage,
    detail_rows,
    has_activities,
)
from corp_carbon.domain.data_quality import DataQuality
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.factors import UnknownFactorSet
from corp_carbon.domain.inventory import Coverage, DetailRow, Inventory, mode_label
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.programme import PointsPosition, ProgrammeFigures
from corp_carbon.domain.reporting import Figures, Group, pseudonym
from corp_carbon.domain.spend import SpendFactorSet
from corp_carbon.domain.vocabulary import ActivityKind, CalculationMethod
from corp_carbon.services.scoring.rescoring import rescore_period

Key = tuple[str, ...]
#: the short names of the categories in comparison rows.
CATEGORY_SHORT = {
    ActivityKind.BUSINESS_TRAVEL: "Category 6: business travel",
    ActivityKind.COMMUTE: "Category 7: commuting",
}


@dataclass(frozen=True)
class ReportRequest:
    """A report asked for: travel dates (inclusive), optionally one department (at the time of
    travel), and factor sets to compare the inventory with."""

    date_from: date
    date_to: date
    department: str | None = None
    factor_sets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise DomainError(f"--from {self.date_from} is after --to {self.date_to}")

    @property
    def scope(self) -> Scope:
        return Scope(self.date_from, self.date_to, self.department)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def previous(self) -> Scope:
        """The period of the same length just before (2025 for the year 2026)."""
        return Scope(
            self.date_from - timedelta(days=self.days),
            self.date_from - timedelta(days=1),
            self.department,
        )


def check_factor_sets(requested: tuple[str, ...], catalogue: Catalogue) -> None:
    for set_id in requested:
        if set_id not in catalogue.factor_sets:
            accepted = ", ".join(sorted(catalogue.factor_sets))
            raise UnknownFactorSet(f"--factor-set {set_id!r}: not a known factor set "
                                   f"(accepted: {accepted})")  # fmt: skip


@dataclass
class Comparison:
    """The period's activities under each asked factor set, by (category, mode) and employee.

    Spend-based activities keep their stored figure under every set (spend factors do not
    belong to a distance factor set). An activity a set cannot score (no factor for it, no
    distance) counts 0 kg under that set; ``unscored`` counts them per set.
    """

    sets: tuple[str, ...]
    reported: list[Group]
    by_set: dict[str, list[Group]]
    unscored: dict[str, int]


@dataclass
class ReportData:
    """Everything the sheets show, gathered in one read-only transaction."""

    request: ReportRequest
    organisation: str
    generated_at: datetime
    min_group_size: int
    version: StoredVersion | None
    methodology: Methodology | None
    current: Inventory
    coverage: Coverage
    previous: Inventory | None = None
    previous_coverage: Coverage | None = None
    comparison: Comparison | None = None
    published: dict[str, PublishedSet] = field(default_factory=dict)
    spend_sets: Mapping[str, SpendFactorSet] = field(default_factory=dict)
    programme: ProgrammeFigures | None = None
    #: the points alone, when the avoided emissions cannot be computed (``avoided_problem``).
    position: PointsPosition | None = None
    avoided_problem: str | None = None
    quality: DataQuality | None = None

    @property
    def activities(self) -> int:
        return sum(t.total().activities for t in self.current.kinds.values())


def stream(
    session: Session, settings: Settings, scope: Scope, inventory: Inventory
) -> Iterator[DetailRow]:
    """The scope's activities, each added to ``inventory`` as it passes on to the caller."""
    secret = settings.pseudonym_secret

    def key(public_id: str) -> str:
        return pseudonym(secret, public_id)

    for row in detail_rows(session, scope, key):
        inventory.add(row)
        yield row


def tally(session: Session, settings: Settings, scope: Scope) -> Inventory:
    """The scope's inventory without its detail rows (the previous period)."""
    inventory = Inventory.empty()
    for _ in stream(session, settings, scope, inventory):
        pass
    return inventory


def coverage(session: Session, scope: Scope, inventory: Inventory) -> Coverage:
    headcount, covered = commute_coverage(session, scope)
    return Coverage(headcount, covered, inventory.commuting.kg_co2e)


def previous_period(
    session: Session, settings: Settings, request: ReportRequest
) -> tuple[Inventory, Coverage] | None:
    if not has_activities(session, request.previous):
        return None
    inventory = tally(session, settings, request.previous)
    return inventory, coverage(session, request.previous, inventory)


def comparison_groups(inventory: Inventory) -> list[Group]:
    """The inventory's (category, mode) groups, as the comparison sheet lists them."""
    groups = []
    for kind, by_mode in (
        (ActivityKind.BUSINESS_TRAVEL, inventory.business_by_mode),
        (ActivityKind.COMMUTE, inventory.commuting_by_mode),
    ):
        for g in by_mode.groups():
            groups.append(Group((CATEGORY_SHORT[kind], *g.key), g.employees, g.figures))
    return groups


def compare(
    session: Session,
    settings: Settings,
    request: ReportRequest,
    methodology: Methodology,
    inventory: Inventory,
    kept_figures: Mapping[int, Decimal],
) -> Comparison:
    """Each asked set applied in memory to the period's activities (nothing written).

    ``kept_figures`` are the stored kg of activities whose figure does not depend on a
    distance factor set (spend-based); they count unchanged under every set.
    """
    by_set: dict[str, list[Group]] = {}
    unscored: dict[str, int] = {}
    for set_id in request.factor_sets:
        policy = replace(methodology, factor_set=set_id)
        sums: dict[Key, tuple[set[Hashable], Figures]] = {}
        unscored[set_id] = 0
        for result in rescore_period(
            session, settings, policy, request.date_from, request.date_to, factor_set=set_id
        ):
            if request.department is not None and result.department != request.department:
                continue
            kg = kept_figures.get(result.activity_id)
            if kg is None and result.assessment is not None:
                kg = result.assessment.kg_co2e
            elif kg is None:
                unscored[set_id] += 1
                kg = Decimal("0.000")
            key = (CATEGORY_SHORT[result.kind], mode_label(result.mode))
            people, figures = sums.get(key, (set(), Figures()))
            people.add(result.employee_id)
            sums[key] = (people, figures + Figures(kg_co2e=kg, activities=1))
        by_set[set_id] = [Group(k, p, f) for k, (p, f) in sums.items()]
    return Comparison(request.factor_sets, comparison_groups(inventory), by_set, unscored)


def spend_figures(row: DetailRow) -> Decimal | None:
    """A spend-based row's stored kg (what the comparison keeps under every set)."""
    if row.method is CalculationMethod.SPEND and row.kg_co2e is not None:
        return row.kg_co2e
    return None
