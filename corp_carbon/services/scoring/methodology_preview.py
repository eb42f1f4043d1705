"""Previewing a methodology change: the last twelve months scored again in memory under the
current version and under the proposal, side by side. Reads only; nothing is written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.methodology_preview import (
    Preview,
    Scored,
    Tally,
    compare,
    last_twelve_months,
)
from corp_carbon.domain.vocabulary import ActivityStatus, Verification
from corp_carbon.services.scoring.rescoring import rescore_period

ZERO = Decimal("0.000")


def preview_change(
    uow: UnitOfWork,
    settings: Settings,
    current: Methodology,
    proposed: Methodology,
    today: date,
) -> Preview:
    """The confirmed activities of the twelve months to ``today`` under both methodologies.

    Figures are those scoring would store (``rescoring``), with each side's caps applied to
    its points; the modes shown follow ``[privacy] min_group_size``. Never commits.
    """
    date_from, date_to = last_twelve_months(today)
    with uow:
        session = uow.session
        self_reported = _self_reported(session, date_from, date_to)
        sides = []
        for methodology in (current, proposed):
            tally = Tally(methodology)
            for found in rescore_period(session, settings, methodology, date_from, date_to):
                result = found.assessment
                tally.add(
                    Scored(
                        activity_id=found.activity_id,
                        employee_id=found.employee_id,
                        kind=found.kind,
                        mode=found.mode,
                        travel_date=found.travel_date,
                        self_reported=found.activity_id in self_reported,
                        kg_co2e=result.kg_co2e if result else ZERO,
                        avoided_kg_co2e=result.avoided_kg_co2e if result else ZERO,
                        points=result.points if result else 0,
                        scored=result is not None,
                    )
                )
            tally.close()
            sides.append(tally)
    return compare(sides[0], sides[1], date_from, date_to, settings.privacy.min_group_size)


def _self_reported(session: Session, date_from: date, date_to: date) -> set[int]:
    """The period's confirmed self-reported activities (their own monthly cap)."""
    return set(
        session.scalars(
            sa.select(Activity.id).where(
                Activity.status == ActivityStatus.CONFIRMED,
                Activity.verification == Verification.SELF_REPORTED,
                Activity.travel_date.between(date_from, date_to),
            )
        )
    )
