"""Simulating a points policy on stored activities: what it would issue, to whom, at what cost.

The period's confirmed activities are read once and scored in memory under the current
methodology with each policy asked for; nothing is written (no assessment, no ledger entry,
no methodology version), so a policy can be tried on past data before it goes live.
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from corp_carbon.catalogue import catalogue_for, methodology_from_settings
from corp_carbon.catalogue.files import FactorSetFileError, load_points_policy
from corp_carbon.config import Settings
from corp_carbon.db.models import Activity
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.points_simulation import SimulatedTrip, Simulation, Terms, simulate
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.points import AVOIDED_GRAMS
from corp_carbon.domain.scoring.policy import PointsPolicy, PolicyError, parse_policy
from corp_carbon.domain.scoring.values import Assessment
from corp_carbon.domain.vocabulary import ActivityKind, Verification
from corp_carbon.services.scoring import methodology as methodology_service
from corp_carbon.services.scoring.assessments import journey_groups, trip_for
from corp_carbon.services.scoring.travellers import Travellers


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    """A policy to simulate: a points policy (from a file or the catalogue), or another
    points rule by id (``avoided_grams``, a city rate card), with its title."""

    rule: str
    title: str
    policy: PointsPolicy | None = None

    def applied_to(self, methodology: Methodology) -> Methodology:
        """``methodology`` with this policy instead of its own (everything else the same)."""
        return replace(methodology, points_rule=self.rule, points_policy=self.policy)


def of_policy(policy: PointsPolicy) -> PolicyChoice:
    return PolicyChoice(policy.id, policy.title, policy)


def policy_from_file(path: Path) -> PolicyChoice:
    """A policy file; a bad one is a ``PolicyError`` naming the file and the entry."""
    try:
        return of_policy(load_points_policy(path))
    except FactorSetFileError as exc:
        raise PolicyError(str(exc)) from None
    except OSError as exc:
        raise PolicyError(f"{path}: {exc.strerror or exc}") from None


def policy_from_upload(name: str, content: bytes) -> PolicyChoice:
    """An uploaded policy file (the page's form); errors name the file and the entry."""
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise PolicyError(f"{name}: not a text file (UTF-8 TOML expected)") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{name}: not valid TOML: {exc}") from None
    return of_policy(parse_policy(data, name))


def named_policy(settings: Settings, name: str) -> PolicyChoice:
    """A points rule by id: a policy of the catalogue, a city rate card or ``avoided_grams``."""
    catalogue = catalogue_for(settings)
    if name in catalogue.points_policies:
        return of_policy(catalogue.points_policies[name])
    if name in catalogue.rate_cards:
        return PolicyChoice(name, catalogue.rate_cards[name].title)
    if name == AVOIDED_GRAMS:
        return PolicyChoice(name, "1 point per gram of CO2e avoided")
    accepted = ", ".join(
        [*sorted(catalogue.points_policies), AVOIDED_GRAMS, *sorted(catalogue.rate_cards)]
    )
    raise PolicyError(f"points policy {name!r}: not a file, nor a known rule ({accepted})")


def current_policy(settings: Settings, methodology: Methodology) -> PolicyChoice:
    """The policy the methodology uses now (its stored snapshot, or the rule it names)."""
    if methodology.points_policy is not None:
        return of_policy(methodology.points_policy)
    try:
        return named_policy(settings, methodology.points_rule)
    except PolicyError:  # a rate card no longer published: its id says what it was
        return PolicyChoice(methodology.points_rule, methodology.points_rule)


def current_methodology(session: Session, settings: Settings) -> Methodology:
    """What scoring uses now, without storing a version: the newest stored one unless the
    configuration changed since (then the configured one, which scoring would adopt)."""
    wanted = methodology_from_settings(settings)
    if methodology_service.configuration_changed(session, wanted):
        return wanted
    return methodology_service.latest(session) or wanted


def simulate_policies(
    uow: UnitOfWork,
    settings: Settings,
    date_from: date,
    date_to: date,
    choices: Sequence[PolicyChoice | None],
) -> tuple[Simulation, ...]:
    """Each policy's figures over the confirmed activities of [date_from, date_to] (None:
    the current policy), in the order given. One read of the activities; never commits."""
    if date_from > date_to:
        raise DomainError(f"period: from {date_from} is after to {date_to}")
    with uow:
        session = uow.session
        current = current_methodology(session, settings)
        chosen = [choice or current_policy(settings, current) for choice in choices]
        methodologies = [choice.applied_to(current) for choice in chosen]
        catalogue = catalogue_for(settings)
        scorers = [Scorer(m, catalogue.factor_sets, catalogue.rate_cards) for m in methodologies]
        scored = _score(session, current, scorers, date_from, date_to)
    rewards = settings.rewards
    return tuple(
        simulate(
            (trip for _, trip in sorted(trips, key=lambda item: item[0])),
            methodology,
            Terms(
                policy=choice.rule,
                title=choice.title,
                date_from=date_from,
                date_to=date_to,
                point_value=rewards.point_value,
                currency=rewards.point_currency,
                min_group_size=settings.privacy.min_group_size,
            ),
        )
        for choice, methodology, trips in zip(chosen, methodologies, scored, strict=True)
    )


def _score(
    session: Session,
    current: Methodology,
    scorers: Sequence[Scorer],
    date_from: date,
    date_to: date,
) -> list[list[tuple[int, SimulatedTrip]]]:
    """The period's activities under each scorer, keyed by activity id (recorded order).
    A journey with a leg in the period is scored whole (its legs share one flight
    baseline); an activity that cannot be scored counts with nothing, as in crediting."""
    scored: list[list[tuple[int, SimulatedTrip]]] = [[] for _ in scorers]
    groups = journey_groups(session, period=(date_from, date_to))
    travellers = Travellers(session)
    travellers.load()
    try:
        for group in groups:
            try:
                trips = [
                    trip_for(a, j, p, current, travellers.get(a.employee_id)) for a, j, p in group
                ]
            except DomainError:
                trips = None
            for side, scorer in zip(scored, scorers, strict=True):
                results: Sequence[Assessment | None] = [None] * len(group)
                if trips is not None:
                    with contextlib.suppress(DomainError):
                        results = scorer.assess_journey(trips)
                for (activity, _, _), result in zip(group, results, strict=True):
                    if date_from <= activity.travel_date <= date_to:
                        side.append((activity.id, _simulated(activity, result)))
    finally:
        groups.close()
    return scored


def _simulated(activity: Activity, result: Assessment | None) -> SimulatedTrip:
    return SimulatedTrip(
        employee=activity.employee_id,
        department=activity.department,
        day=activity.travel_date,
        behaviour=result.behaviour if result else None,
        points=result.points if result else 0,
        avoided_kg=result.avoided_kg_co2e if result else Decimal("0.000"),
        commute=activity.kind is ActivityKind.COMMUTE,
        self_reported=activity.verification is Verification.SELF_REPORTED,
        trip_cap=result.trip_cap if result else None,
        uncapped_points=result.uncapped_points if result else None,
    )
