"""The stored, versioned methodology: which version is current, and storing a new one.

A version comes from the configuration (``[methodology]``) or from the methodology page. The
configuration makes a new version only when it changed since the last version taken from it,
so a version saved on the page is not overwritten by a configuration that stayed the same.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.catalogue import catalogue_for, methodology_from_settings
from corp_carbon.config import ConfigError, Settings
from corp_carbon.db.models import MethodologyVersion
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.domain.methodology import (
    BY_YEAR,
    Methodology,
    VersionOrigin,
    methodology_from_parameters,
)
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
    rules = {*catalogue.rate_cards, *catalogue.points_policies}
    if m.points_rule != AVOIDED_GRAMS and m.points_rule not in rules:
        accepted = ", ".join([AVOIDED_GRAMS, *sorted(rules)])
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
    row = _newest(session)
    return methodology_from_parameters(row.version, row.parameters) if row else None


def _newest(session: Session, origin: VersionOrigin | None = None) -> MethodologyVersion | None:
    query = sa.select(MethodologyVersion)
    if origin is not None:
        query = query.where(MethodologyVersion.origin == origin.value)
    return session.scalars(query.order_by(MethodologyVersion.version.desc()).limit(1)).first()


def configuration_changed(session: Session, wanted: Methodology) -> bool:
    """Whether the configured policy differs from the last version taken from the
    configuration (or none was ever taken): only then does the configuration make a version."""
    last = _newest(session, VersionOrigin.CONFIGURATION)
    return last is None or not wanted.same_policy(
        methodology_from_parameters(last.version, last.parameters)
    )


def current(session: Session, settings: Settings, actor: Actor = SYSTEM) -> Methodology:
    """The current version: the newest stored one, unless the configuration changed since
    the last version taken from it, in which case the configured policy is stored as a new
    version (and becomes current).

    So a version saved on the methodology page stays current while the configuration stays
    as it was; editing ``[methodology]`` afterwards wins once, with a new version. Runs
    inside the caller's transaction (flushes, never commits).
    """
    wanted = methodology_from_settings(settings)
    newest = _newest(session)
    if newest is not None and not configuration_changed(session, wanted):
        return methodology_from_parameters(newest.version, newest.parameters)
    note = "from the configuration" if newest is None else "configuration changed"
    try:
        return store_version(session, wanted, VersionOrigin.CONFIGURATION, note, actor)
    except IntegrityError:  # another process stored the same next version first
        again = _newest(session)
        if again is not None and not configuration_changed(session, wanted):
            return methodology_from_parameters(again.version, again.parameters)
        raise


def store_version(
    session: Session, policy: Methodology, origin: VersionOrigin, note: str, actor: Actor
) -> Methodology:
    """Stores ``policy`` as the next version, audit-logged; raises ``IntegrityError`` when
    another writer took that number first (nothing of this call is kept then)."""
    newest = _newest(session)
    number = (newest.version if newest else 0) + 1
    parameters = policy.parameters()
    row = MethodologyVersion(
        version=number,
        factor_set=policy.factor_set,
        radiative_forcing=policy.radiative_forcing,
        points_rule=policy.points_rule,
        additionality=policy.additionality,
        parameters=parameters,
        note=note,
        origin=origin.value,
        created_by_id=actor.employee_id,
    )
    with session.begin_nested():
        session.add(row)
    detail: dict[str, object] = {"origin": origin.value, "parameters": parameters}
    if origin is VersionOrigin.PAGE:
        detail["reason"] = note
    audit.record(
        session,
        actor,
        "methodology.version",
        target_type="methodology",
        target_id=number,
        detail=detail,
    )
    return methodology_from_parameters(number, parameters)


def ensure_current(uow: UnitOfWork, settings: Settings, actor: Actor = SYSTEM) -> Methodology:
    """``current`` as a use case of its own (one transaction)."""
    with uow:
        begin_write(uow.session)  # it may add a version: two starters must not both read first
        result = current(uow.session, settings, actor)
        uow.commit()
    return result
