"""Which methodology version is current when both the configuration and the methodology page
make versions; saving from the page; and the preview of a change, which equals what scoring
then stores and writes nothing itself."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from corp_carbon.db import migrate
from corp_carbon.db.models import (
    Activity,
    Assessment,
    AuditEvent,
    Employee,
    FactorSetRecord,
    LedgerTransaction,
    MethodologyVersion,
)
from corp_carbon.db.session import UnitOfWork, make_engine
from corp_carbon.domain.errors import Conflict
from corp_carbon.domain.methodology import VersionOrigin
from corp_carbon.domain.methodology_form import InvalidProposal
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import ActivityKind, Mode
from corp_carbon.services.scoring import methodology
from corp_carbon.services.scoring.assessments import assess_activities
from corp_carbon.services.scoring.methodology_desk import methodology_desk, save_from_page
from corp_carbon.services.scoring.methodology_preview import preview_change
from tests.conftest import make_settings
from tests.integration.test_assessments import _seed

END_OF_2024 = date(2024, 12, 31)  # the seeded trips (May 2024) are in the twelve months to it


def _officer(uow: UnitOfWork) -> Actor:
    with uow:
        person = Employee(email="olga@example.com", name="Olga Officer")
        uow.session.add(person)
        uow.session.flush()
        actor = Actor(label=person.email, employee_id=person.id)
        uow.commit()
    return actor


def _versions(uow: UnitOfWork) -> list[tuple[int, str, str]]:
    with uow:
        rows = uow.session.scalars(sa.select(MethodologyVersion).order_by(MethodologyVersion.id))
        return [(r.version, r.origin, r.note) for r in rows]


def test_a_version_saved_on_the_page_stays_current_while_the_configuration_stays_the_same(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    officer = _officer(uow)
    first = methodology.ensure_current(uow, settings)
    assert first.version == 1 and first.radiative_forcing
    saved = save_from_page(
        uow, settings, officer, replace(first, radiative_forcing=False), "DESNZ advice", 1
    )
    assert saved.version == 2
    for _ in range(3):  # imports, estimates and pages all ask; none brings the config back
        again = methodology.ensure_current(uow, settings)
        assert (again.version, again.radiative_forcing) == (2, False)
    assert _versions(uow) == [
        (1, "configuration", "from the configuration"),
        (2, "page", "DESNZ advice"),
    ]
    with uow:
        events = uow.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "methodology.version")
            .order_by(AuditEvent.id)
        ).all()
        assert [(e.target_id, e.actor_label, e.actor_id) for e in events] == [
            ("1", "system", None),
            ("2", "olga@example.com", officer.employee_id),
        ]
        assert events[1].detail["origin"] == "page"
        assert events[1].detail["reason"] == "DESNZ advice"
        assert events[1].detail["parameters"]["radiative_forcing"] is False
        stored = uow.session.scalars(
            sa.select(MethodologyVersion).where(MethodologyVersion.version == 2)
        ).one()
        assert stored.created_by_id == officer.employee_id


def test_a_changed_configuration_wins_once_then_the_page_again(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    before = make_settings(db_url, tmp_path)
    officer = _officer(uow)
    first = methodology.ensure_current(uow, before)
    save_from_page(uow, before, officer, replace(first, radiative_forcing=False), "no RF", 1)
    changed = make_settings(db_url, tmp_path, methodology={"points_rule": "wuhan-2024"})
    third = methodology.ensure_current(uow, changed)
    # the configuration's whole policy, RF included: it changed, so it is adopted
    assert (third.version, third.points_rule, third.radiative_forcing) == (3, "wuhan-2024", True)
    assert methodology.ensure_current(uow, changed).version == 3  # once, not on every call
    fourth = save_from_page(uow, changed, officer, replace(third, commute_trips_per_day=4), "x", 3)
    assert methodology.ensure_current(uow, changed).version == fourth.version == 4
    # back to the first configuration: a change of the configuration again, so it wins
    fifth = methodology.ensure_current(uow, before)
    assert (fifth.version, fifth.points_rule) == (5, "avoided_grams")
    assert [origin for _, origin, _ in _versions(uow)] == [
        "configuration", "page", "configuration", "page", "configuration",
    ]  # fmt: skip


def test_saving_refuses_a_stale_form_and_a_proposal_that_changes_nothing(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    officer = _officer(uow)
    first = methodology.ensure_current(uow, settings)
    save_from_page(uow, settings, officer, replace(first, radiative_forcing=False), "one", 1)
    with pytest.raises(Conflict, match="version 2 is now current"):
        save_from_page(uow, settings, officer, replace(first, points_rule="wuhan-2024"), "b", 1)
    second = methodology.ensure_current(uow, settings)
    with pytest.raises(InvalidProposal, match="Nothing to save"):
        save_from_page(uow, settings, officer, replace(second, version=0), "same", 2)
    assert len(_versions(uow)) == 2


def test_the_history_lists_every_version_with_what_it_changed(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    officer = _officer(uow)
    first = methodology.ensure_current(uow, settings)
    save_from_page(uow, settings, officer, replace(first, radiative_forcing=False), "why", 1)
    desk = methodology_desk(uow, settings)
    assert desk.current.methodology.version == 2
    assert desk.current.origin is VersionOrigin.PAGE
    assert desk.current.author == "Olga Officer"
    newest, oldest = desk.history
    assert [(c.item, c.before, c.after) for c in newest.changes] == [
        ("radiative_forcing", True, False)
    ]
    assert oldest.changes == () and oldest.record.author is None


# --- the preview -----------------------------------------------------------------------------


def _stored_by_mode(uow: UnitOfWork, version: int) -> dict[tuple[ActivityKind, Mode], tuple]:
    """What scoring stored under a version, summed by kind and mode."""
    sums: dict[tuple[ActivityKind, Mode], list] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    with uow:
        rows = uow.session.execute(
            sa.select(Activity.kind, Activity.mode, Assessment)
            .join(Assessment, Assessment.activity_id == Activity.id)
            .join(MethodologyVersion, MethodologyVersion.id == Assessment.methodology_version_id)
            .where(MethodologyVersion.version == version, Assessment.comparison.is_(False))
        )
        for kind, mode, row in rows:
            held = sums[(kind, mode)]
            held[0] += row.kg_co2e
            held[1] += row.avoided_kg_co2e
            held[2] += row.points
    return {key: tuple(value) for key, value in sums.items()}


def _counts(uow: UnitOfWork) -> tuple[int, ...]:
    tables = (Activity, Assessment, MethodologyVersion, AuditEvent, LedgerTransaction,
              FactorSetRecord)  # fmt: skip
    with uow:
        return tuple(
            uow.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0 for t in tables
        )


def test_the_preview_equals_what_scoring_stores_under_each_version(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path, privacy={"min_group_size": 1})
    officer = _officer(uow)
    ids = _seed(uow)
    current = methodology.ensure_current(uow, settings)
    proposed = replace(current, version=0, radiative_forcing=False)
    before = _counts(uow)
    preview = preview_change(uow, settings, current, proposed, END_OF_2024)
    assert _counts(uow) == before  # the preview wrote nothing
    assert (preview.date_from, preview.date_to) == (date(2024, 1, 1), END_OF_2024)

    assess_activities(uow, settings)
    save_from_page(uow, settings, officer, proposed, "RF off", current.version)
    assess_activities(uow, settings)
    now, then = _stored_by_mode(uow, 1), _stored_by_mode(uow, 2)
    business = preview.sections[0]
    shown = {row.mode: row for row in business.rows}
    assert set(shown) == {Mode.AIR, Mode.RAIL, Mode.TAXI}
    for mode in (Mode.AIR, Mode.RAIL):
        row = shown[mode]
        key = (ActivityKind.BUSINESS_TRAVEL, mode)
        assert (row.current.kg_co2e, row.current.avoided_kg_co2e, row.current.points) == now[key]
        assert (row.proposed.kg_co2e, row.proposed.avoided_kg_co2e, row.proposed.points) == (
            then[key]
        )
    # the taxi has no distance: counted, with nothing, on both sides (scoring skipped it too)
    assert shown[Mode.TAXI].current.activities == 1 and shown[Mode.TAXI].current.kg_co2e == 0
    assert preview.unscored == (1, 1)
    assert preview.total.current.activities == len(ids)

    # by hand: without radiative forcing the flight's kg drop to 0.11812 / 0.20011 of what
    # they were (DESNZ 2024 long-haul economy, kg CO2e per passenger-km, without and with RF;
    # the same distance, each figure rounded to the gram)
    flight = shown[Mode.AIR]
    ratio = flight.proposed.kg_co2e / flight.current.kg_co2e
    assert abs(ratio - Decimal("0.11812") / Decimal("0.20011")) < Decimal("0.000002")
    # rail is untouched by RF, but its flight baseline is not: less avoided, fewer points
    rail = shown[Mode.RAIL]
    assert rail.proposed.kg_co2e == rail.current.kg_co2e
    assert rail.proposed.avoided_kg_co2e < rail.current.avoided_kg_co2e
    assert rail.proposed.points < rail.current.points
    assert preview.total.proposed.kg_co2e == sum(
        (r.proposed.kg_co2e for r in business.rows), Decimal(0)
    )


def test_the_preview_merges_modes_of_too_few_travellers(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)  # at least 5 travellers per group
    _seed(uow)
    current = methodology.ensure_current(uow, settings)
    preview = preview_change(uow, settings, current, current, END_OF_2024)
    business = preview.sections[0]
    assert [(row.mode, row.other) for row in business.rows] == [(None, True)]
    assert business.rows[0].current == business.total.current


# --- the migration ---------------------------------------------------------------------------


def test_versions_stored_before_the_origin_column_came_from_the_configuration(
    empty_db_url: str,
) -> None:
    migrate.upgrade(empty_db_url, "f6a7b8c9d0e1")
    engine = make_engine(empty_db_url)
    try:
        versions = sa.Table("methodology_versions", sa.MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            connection.execute(
                versions.insert(),
                [{"id": 1, "version": 1, "factor_set": "by-year", "radiative_forcing": True,
                  "points_rule": "avoided_grams", "additionality": "reference",
                  "parameters": {}, "note": "from the configuration",
                  "created_at": datetime(2026, 1, 5, tzinfo=UTC)}],
            )  # fmt: skip
        engine.dispose()
        migrate.upgrade(empty_db_url)
        with engine.connect() as connection:
            origins = connection.execute(
                sa.text("SELECT version, origin FROM methodology_versions")
            )
            assert [tuple(row) for row in origins] == [(1, "configuration")]
        # the table is still append-only after the migration
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text("UPDATE methodology_versions SET origin = 'page'"))
    finally:
        engine.dispose()
