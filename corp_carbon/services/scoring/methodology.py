"""The stored, versioned methodology: the configured policy becomes a version when it changes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.catalogue import catalogue_for, methodology_from_settings
from corp_carbon.config import ConfigError, Settings
from corp_carbon.db.models import MethodologyVersion
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.domain.methodology import BY_YEAR, Methodology, methodology_from_parameters
from corp_carbon.domain.people import SYSTEM, Actor
from corp_carbon.domain.scoring.points import AVOIDED_GRAMS
from corp_carbon.services.audit import entries as audit


def validate(settings: Settings) -> None:
    """Refuses a [methodology] that names a set, rate card or band that does not exist."""
    m = settings.methodology
    catalogue = catalogue_for(settings)
    where = settings.origin_of
    if m.factor_set != BY_YEAR and m.factor_set not in catalogue.factor_sets:
        accepted = ", ".join([BY_YEAR, *sorted(catalogue.factor_sets)])
        raise ConfigError(
            f"[methodology] factor_set: {m.factor_set!r} is not a known factor set "
            f"(accepted: {accepted}) (in {where('methodology', 'factor_set')})"
        )
    if m.factor_set == BY_YEAR and not any(
        s.startswith(m.family + "-") for s in catalogue.factor_sets
    ):
        raise ConfigError(
            f"[methodology] family: no factor set of family {m.family!r} "
            f"(in {where('methodology', 'family')})"
        )
    if m.points_rule != AVOIDED_GRAMS and m.points_rule not in catalogue.rate_cards:
        accepted = ", ".join([AVOIDED_GRAMS, *sorted(catalogue.rate_cards)])
        raise ConfigError(
            f"[methodology] points_rule: {m.points_rule!r} is not known (accepted: {accepted}) "
            f"(in {where('methodology', 'points_rule')})"
        )
    band = m.rail_vs_flight_band_km
    if len(band) != 2 or not 0 <= band[0] < band[1]:
        raise ConfigError(
            f"[methodology] rail_vs_flight_band_km: needs [low, high] with 0 <= low < high, "
            f"got {band} (in {where('methodology', 'rail_vs_flight_band_km')})"
        )


def latest(session: Session) -> Methodology | None:
    row = session.scalars(
        sa.select(MethodologyVersion).order_by(MethodologyVersion.version.desc()).limit(1)
    ).first()
    return methodology_from_parameters(row.version, row.parameters) if row else None


def current(session: Session, settings: Settings, actor: Actor = SYSTEM) -> Methodology:
    """The stored version matching the configured policy; stores a new version if it changed.

    Runs inside the caller's transaction (flushes, never commits).
    """
    wanted = methodology_from_settings(settings)
    stored = latest(session)
    if stored is not None and stored.same_policy(wanted):
        return stored
    number = (stored.version if stored else 0) + 1
    row = MethodologyVersion(
        version=number,
        factor_set=wanted.factor_set,
        radiative_forcing=wanted.radiative_forcing,
        points_rule=wanted.points_rule,
        additionality=wanted.additionality,
        parameters=wanted.parameters(),
        note="from the configuration" if stored is None else "configuration changed",
        created_by_id=actor.employee_id,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another process stored the same next version first
        again = latest(session)
        if again is not None and again.same_policy(wanted):
            return again
        raise
    audit.record(
        session,
        actor,
        "methodology.version",
        target_type="methodology",
        target_id=number,
        detail={"parameters": wanted.parameters()},
    )
    return methodology_from_parameters(number, row.parameters)


def ensure_current(uow: UnitOfWork, settings: Settings, actor: Actor = SYSTEM) -> Methodology:
    """``current`` as a use case of its own (one transaction)."""
    with uow:
        begin_write(uow.session)  # it may add a version: two starters must not both read first
        result = current(uow.session, settings, actor)
        uow.commit()
    return result
