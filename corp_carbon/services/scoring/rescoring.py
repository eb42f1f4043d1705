"""Stored activities scored again in memory, under any methodology or factor set.

Reports compare factor sets, the methodology page previews a change, and the avoided
emissions against the other baseline (reference or personal) are shown beside the stored
ones: all without writing a row, so points already issued and stored assessments stay as
they are.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from sqlalchemy.orm import Session

from corp_carbon.catalogue import catalogue_for
from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, CommuteProfile, Journey
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.factors import FactorSet, UnknownFactorSet
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.values import Assessment
from corp_carbon.domain.vocabulary import ActivityKind, Mode
from corp_carbon.services.scoring.assessments import journey_groups, trip_for
from corp_carbon.services.scoring.travellers import Travellers

#: journeys whose travellers are looked up together.
GROUPS_PER_LOAD = 1000


@dataclass(frozen=True, slots=True)
class Rescored:
    """One confirmed activity of the period and its figures under the asked methodology;
    ``assessment`` is None, with the reason in ``problem``, when it cannot be scored (the
    same activities the stored assessment skipped)."""

    activity_id: int
    employee_id: int
    kind: ActivityKind
    mode: Mode
    travel_date: date
    department: str | None
    office: str | None
    assessment: Assessment | None
    problem: str | None = None


def rescore_period(
    session: Session,
    settings: Settings,
    methodology: Methodology,
    date_from: date,
    date_to: date,
    *,
    factor_set: str | None = None,
    kinds: Collection[ActivityKind] | None = None,
) -> Iterator[Rescored]:
    """Every confirmed activity of [date_from, date_to] under ``methodology`` (and, when
    given, the factor set ``factor_set`` instead of the methodology's own), streamed;
    with ``kinds``, only activities of those kinds.

    Reads only; runs in the caller's transaction. A journey with a leg in the period is
    scored whole (its legs share one flight baseline) and only the period's legs come out.
    """
    catalogue = catalogue_for(settings)
    chosen = None
    if factor_set is not None:
        chosen = catalogue.factor_sets.get(factor_set)
        if chosen is None:
            accepted = ", ".join(sorted(catalogue.factor_sets))
            raise UnknownFactorSet(f"factor set {factor_set!r}: accepted: {accepted}")
    scorer = Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards)
    period = (date_from, date_to)
    groups = journey_groups(session, period=period, kinds=kinds)
    travellers = Travellers(session)
    try:
        # the travellers of a thousand journeys at a time: one look-up for all of them, where
        # loading each new traveller as met cost two queries per employee (191,000 queries,
        # half of a month's re-scoring at 100,000 employees)
        while batch := list(islice(groups, GROUPS_PER_LOAD)):
            travellers.load(a.employee_id for group in batch for a, _, _ in group)
            for group in batch:
                yield from _rescored(group, scorer, chosen, methodology, travellers, period)
    finally:
        groups.close()


def _rescored(
    group: list[tuple[Activity, Journey | None, CommuteProfile | None]],
    scorer: Scorer,
    chosen: FactorSet | None,
    methodology: Methodology,
    travellers: Travellers,
    period: tuple[date, date],
) -> Iterator[Rescored]:
    """One journey scored whole; its legs of the period come out."""
    date_from, date_to = period
    results: list[Assessment | None]
    problem = None
    try:
        trips = [trip_for(a, j, p, methodology, travellers.get(a.employee_id)) for a, j, p in group]
        results = list(scorer.assess_journey(trips, chosen))
    except DomainError as exc:
        results, problem = [None] * len(group), exc.message
    for (activity, _, _), result in zip(group, results, strict=True):
        if not date_from <= activity.travel_date <= date_to:
            continue
        yield Rescored(
            activity.id,
            activity.employee_id,
            activity.kind,
            activity.mode,
            activity.travel_date,
            activity.department,
            activity.office,
            result,
            problem,
        )
