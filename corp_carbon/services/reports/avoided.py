"""Avoided emissions of a period against both baselines, by category.

The stored assessments were scored under the current methodology, so they carry the avoided
kg against the baseline it credits (its ``additionality``); those are summed in the database.
The other baseline's figures are computed in memory by scoring the same activities again
with the other additionality (``services.scoring.rescoring``), writing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.catalogue import methodology_from_settings
from corp_carbon.config import Settings
from corp_carbon.db.models import Activity
from corp_carbon.db.models import Assessment as AssessmentRow
from corp_carbon.db.queries import COUNTABLE, current_assessment_of
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.methodology import Additionality, Methodology
from corp_carbon.domain.programme import PERSONAL, REFERENCE, ZERO_KG, AvoidedByCategory
from corp_carbon.domain.vocabulary import ActivityKind
from corp_carbon.services.scoring import methodology as methodology_service
from corp_carbon.services.scoring.rescoring import rescore_period


@dataclass(frozen=True, slots=True)
class AvoidedBaselines:
    reference: AvoidedByCategory
    personal: AvoidedByCategory
    #: which of the two the stored assessments (and so the points) follow.
    points_follow: Additionality


def avoided_by_baseline(
    session: Session, settings: Settings, date_from: date, date_to: date
) -> AvoidedBaselines:
    """Avoided kg CO2e of the confirmed activities of [date_from, date_to] against the
    reference and the personal baseline. Reads only; runs in the caller's transaction.

    DomainError when the other baseline cannot be computed: the stored version is
    unreadable, or names a factor set the catalogue no longer has."""
    current = scored_under(session, settings)
    stored = stored_avoided(session, date_from, date_to)
    other: Additionality = PERSONAL if current.additionality == REFERENCE else REFERENCE
    # additionality changes only a commute's baseline (business travel is always compared
    # with the policy's reference), so only commutes are scored again
    commutes = rescored_commutes(
        session, settings, replace(current, additionality=other), date_from, date_to
    )
    rescored = AvoidedByCategory(business_travel=stored.business_travel, commuting=commutes)
    if current.additionality == REFERENCE:
        return AvoidedBaselines(stored, rescored, REFERENCE)
    return AvoidedBaselines(rescored, stored, PERSONAL)


def scored_under(session: Session, settings: Settings) -> Methodology:
    """The newest stored methodology version (the stored assessments' own), else the
    configured policy. A version whose stored policy cannot be read back is refused with
    its number: re-scoring under a guess would give figures nobody chose."""
    try:
        stored = methodology_service.latest(session)
    except (KeyError, ValueError, TypeError) as exc:
        raise DomainError(
            f"methodology: the newest stored version cannot be read back (parameter {exc} "
            "missing or unreadable), so its activities cannot be scored against the other "
            "baseline"
        ) from exc
    return stored or methodology_from_settings(settings)


def stored_avoided(session: Session, date_from: date, date_to: date) -> AvoidedByCategory:
    """The current assessments' avoided kg by kind of activity, summed in the database."""
    current = current_assessment_of(session, AssessmentRow.avoided_kg_co2e)
    rows = session.execute(
        sa.select(Activity.kind, sa.func.sum(current.c.avoided_kg_co2e))
        .select_from(Activity)
        .join(current.source, current.on)
        .where(
            Activity.status.in_(COUNTABLE),
            Activity.travel_date >= date_from,
            Activity.travel_date <= date_to,
        )
        .group_by(Activity.kind)
    ).all()
    by_kind = {ActivityKind(kind): Decimal(kg or 0) for kind, kg in rows}
    return _by_category(by_kind)


def rescored_commutes(
    session: Session, settings: Settings, methodology: Methodology, date_from: date, date_to: date
) -> Decimal:
    """The period's commutes scored again under ``methodology``: their avoided kg."""
    total = ZERO_KG
    commutes = (ActivityKind.COMMUTE,)
    for result in rescore_period(
        session, settings, methodology, date_from, date_to, kinds=commutes
    ):
        if result.assessment is not None:
            total += result.assessment.avoided_kg_co2e
    return total


def _by_category(by_kind: dict[ActivityKind, Decimal]) -> AvoidedByCategory:
    """Grams shown as three decimals of kg whatever the sum's own exponent."""
    return AvoidedByCategory(
        business_travel=ZERO_KG + by_kind.get(ActivityKind.BUSINESS_TRAVEL, ZERO_KG),
        commuting=ZERO_KG + by_kind.get(ActivityKind.COMMUTE, ZERO_KG),
    )
