"""The step-by-step trail of assessments stored without one (bulk imports).

A bulk import stores the figures of each assessment but not its trail (about 2 KB of JSON per
segment). The trail is rebuilt here from what the figures were computed from: the stored
activity, its journey, the methodology version the assessment names (versions are never
edited) and the factor set it names (pinned by the hash of its data file). The rebuilt
figures are compared with the stored ones, and any difference is stated in the trail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.catalogue import catalogue_for
from corp_carbon.config import Settings
from corp_carbon.db.models import (
    Activity,
    Assessment,
    CommuteProfile,
    Journey,
    MethodologyVersion,
)
from corp_carbon.domain.activities import ActivityView
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.methodology import methodology_from_parameters
from corp_carbon.domain.phrases import N_, Num, Phrase, say
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.explain import explain, explain_brief
from corp_carbon.domain.vocabulary import ActivityKind, ActivityStatus, Mode
from corp_carbon.services.scoring.assessments import trip_for
from corp_carbon.services.scoring.travellers import Travellers


def complete(
    session: Session, settings: Settings, views: Sequence[ActivityView], *, brief: bool = False
) -> list[ActivityView]:
    """The views, with the trail filled in where it was not stored, or was stored before
    trails carried their phrases (``say``), which pages need to word it in any language.

    ``brief``: a rebuilt trail holds only the steps a list of trips shows (the summary and
    the baseline, ``explain_brief``); a stored trail stays whole."""
    wanted = {
        v.id
        for v in views
        if v.kg_co2e is not None and not all("say" in step for step in v.explanation[:1] or [{}])
    }
    if not wanted:
        return list(views)
    trails = rebuild(session, settings, wanted, brief=brief)
    done = []
    for view in views:
        steps = trails.get(view.id)
        if steps is None:
            done.append(view)
            continue
        plain = next((str(s["text"]) for s in steps if s.get("step") == "summary"), view.plain)
        done.append(dataclasses.replace(view, explanation=tuple(steps), plain=plain))
    return done


def rebuild(
    session: Session, settings: Settings, activity_ids: set[int], *, brief: bool = False
) -> dict[int, list[Any]]:
    """Trails of the activities' scoring assessments (newest methodology), by activity id;
    ``brief``: only the summary and baseline steps, without the check of the figures.

    What the trips share is read once for all of them (a page lists 50): the newest
    methodology version and its scorer, the travellers, the commute profiles, the legs of
    rail journeys. The assessments are read as the four columns the check needs."""
    version = session.scalar(
        sa.select(MethodologyVersion).order_by(MethodologyVersion.id.desc()).limit(1)
    )
    if version is None:
        return {}
    rows = session.execute(
        sa.select(
            Activity,
            Journey,
            Assessment.factor_set_id,
            Assessment.kg_co2e,
            Assessment.points,
        )
        .join(Assessment, Assessment.activity_id == Activity.id)
        .outerjoin(Journey, Journey.id == Activity.journey_id)
        .where(
            Activity.id.in_(sorted(activity_ids)),
            Assessment.comparison.is_(False),
            Assessment.methodology_version_id == version.id,
        )
    ).all()
    catalogue = catalogue_for(settings)
    methodology = methodology_from_parameters(version.version, version.parameters)
    scorer = Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards)
    known = _Known(session, [row.Activity for row in rows])
    trails: dict[int, list[Any]] = {}
    for activity, journey, factor_set_id, kg_co2e, points in rows:
        fs = catalogue.factor_sets.get(factor_set_id)
        if fs is None:
            continue
        try:
            result = _assess(known, scorer, activity, journey, methodology, fs)
        except DomainError as exc:
            trails[activity.id] = [_check(say(N_("trail unavailable: %(why)s"), why=exc.message))]
            continue
        if brief:
            trails[activity.id] = explain_brief(result)
            continue
        steps = explain(result)
        if (result.kg_co2e, result.points) != (kg_co2e, points):
            differ = N_(
                "the stored figures (%(kg)s kg CO2e, %(points)s points) differ from this "
                "recomputation (%(again_kg)s kg, %(again_points)s points): the stored ones count"
            )
            steps.append(
                _check(
                    say(
                        differ,
                        kg=Num(kg_co2e, 3),
                        points=Num(points),
                        again_kg=Num(result.kg_co2e, 3),
                        again_points=Num(result.points),
                    )
                )
            )
        trails[activity.id] = steps
    return trails


def _check(phrase: Phrase) -> dict[str, Any]:
    return {"step": "check", "text": str(phrase), "say": phrase.to_json()}


class _Known:
    """The travellers, latest commute profiles and rail journeys' legs of the trips whose
    trails are rebuilt, each read in one query."""

    def __init__(self, session: Session, activities: list[Activity]) -> None:
        self.travellers = Travellers(session)
        self.travellers.load({a.employee_id for a in activities})
        commuters = sorted({a.employee_id for a in activities if a.kind is ActivityKind.COMMUTE})
        #: the profile whose declared baseline the import used (commutes only: the latest).
        self.profiles: dict[int, CommuteProfile] = {}
        if commuters:
            for profile in session.scalars(
                sa.select(CommuteProfile)
                .where(CommuteProfile.employee_id.in_(commuters))
                .order_by(CommuteProfile.employee_id, CommuteProfile.valid_from.desc())
            ):
                self.profiles.setdefault(profile.employee_id, profile)
        rail = sorted(
            {a.journey_id for a in activities if a.journey_id is not None and a.mode in _LEGGED}
        )
        self.legs: dict[int, list[Activity]] = {}
        if rail:
            for leg in session.scalars(
                sa.select(Activity)
                .where(
                    Activity.journey_id.in_(rail),
                    Activity.status == ActivityStatus.CONFIRMED,
                )
                .order_by(Activity.journey_id, Activity.leg_index)
            ):
                self.legs.setdefault(leg.journey_id or 0, []).append(leg)

    def profile(self, activity: Activity) -> CommuteProfile | None:
        if activity.kind is not ActivityKind.COMMUTE:
            return None
        return self.profiles.get(activity.employee_id)


#: modes whose journeys are scored whole (a rail or coach journey with connections).
_LEGGED = (Mode.RAIL, Mode.COACH)


def _assess(
    known: _Known,
    scorer: Scorer,
    activity: Activity,
    journey: Journey | None,
    methodology: Any,
    fs: Any,
) -> Any:
    """As the import scored it: a rail or coach journey with connections as a whole."""
    traveller = known.travellers.get(activity.employee_id)
    profile = known.profile(activity)
    if journey is not None and activity.mode in _LEGGED:
        legs = known.legs.get(journey.id, [])
        if len(legs) > 1 and all(leg.mode in _LEGGED for leg in legs):
            results = scorer.assess_journey(
                [trip_for(leg, journey, profile, methodology, traveller) for leg in legs], fs
            )
            for leg, result in zip(legs, results, strict=True):
                if leg.id == activity.id:
                    return result
    return scorer.assess(trip_for(activity, journey, profile, methodology, traveller), fs)
