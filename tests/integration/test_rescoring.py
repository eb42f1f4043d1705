"""Activities scored again in memory: the same figures as the stored ones under the same
methodology, other figures under another, and never a row written."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from corp_carbon.db.models import Activity, Assessment, Journey
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.factors import UnknownFactorSet
from corp_carbon.domain.vocabulary import ActivityKind
from corp_carbon.services.scoring import methodology
from corp_carbon.services.scoring.assessments import assess_activities
from corp_carbon.services.scoring.rescoring import rescore_period
from tests.conftest import make_settings
from tests.integration.test_assessments import _seed

MAY = (date(2024, 5, 1), date(2024, 5, 31))


def _counts(uow: UnitOfWork) -> tuple[int, ...]:
    with uow:
        return tuple(
            uow.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in (Activity, Assessment, Journey)
        )


def test_rescoring_under_the_stored_methodology_gives_the_stored_figures(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    ids = _seed(uow)
    assess_activities(uow, settings)
    before = _counts(uow)
    current = methodology.ensure_current(uow, settings)
    with uow:
        stored = {
            a.activity_id: (a.kg_co2e, a.avoided_kg_co2e, a.points)
            for a in uow.session.scalars(sa.select(Assessment))
        }
        again = {r.activity_id: r for r in rescore_period(uow.session, settings, current, *MAY)}
    assert set(again) == set(ids.values())
    assert again[ids["nowhere"]].assessment is None
    assert "distance" in (again[ids["nowhere"]].problem or "")
    for activity_id, figures in stored.items():
        result = again[activity_id].assessment
        assert result is not None
        assert (result.kg_co2e, result.avoided_kg_co2e, result.points) == figures
    assert _counts(uow) == before  # nothing written


def test_another_methodology_changes_the_figures_and_writes_nothing(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    ids = _seed(uow)
    before = _counts(uow)
    current = methodology.ensure_current(uow, settings)
    with uow:
        with_rf = {r.activity_id: r for r in rescore_period(uow.session, settings, current, *MAY)}
        no_rf = replace(current, radiative_forcing=False)
        without = {r.activity_id: r for r in rescore_period(uow.session, settings, no_rf, *MAY)}
    flight_rf, flight = with_rf[ids["flight"]].assessment, without[ids["flight"]].assessment
    assert flight_rf is not None and flight is not None
    # DESNZ 2024 long-haul economy: 0.19085 kg/pkm with the RF uplift, 0.11270 without
    assert flight.kg_co2e < flight_rf.kg_co2e
    ratio = flight.kg_co2e / flight_rf.kg_co2e
    assert abs(ratio - Decimal("0.11270") / Decimal("0.19085")) < Decimal("0.01")
    assert _counts(uow) == before


def test_a_journey_is_scored_whole_but_only_the_periods_legs_come_out(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    ids = _seed(uow)
    with uow:
        leg2 = uow.session.get(Activity, ids["leg2"])
        assert leg2 is not None and leg2.journey_id is not None
        leg2.travel_date = date(2024, 6, 1)  # the second leg after midnight, in June
        journey = uow.session.get(Journey, leg2.journey_id)
        assert journey is not None
        journey.end_date = date(2024, 6, 1)
        uow.commit()
    current = methodology.ensure_current(uow, settings)
    with uow:
        may = {r.activity_id: r for r in rescore_period(uow.session, settings, current, *MAY)}
        june_period = (date(2024, 6, 1), date(2024, 6, 30))
        june = {
            r.activity_id: r for r in rescore_period(uow.session, settings, current, *june_period)
        }
    assert ids["leg1"] in may and ids["leg2"] not in may
    assert set(june) == {ids["leg2"]}
    first, second = may[ids["leg1"]].assessment, june[ids["leg2"]].assessment
    assert first is not None and second is not None
    assert first.baseline is not None and second.baseline is not None
    # the flight baseline is shared 300:100 by the legs, as when the journey is scored whole
    ratio = first.baseline.emission.kg_co2e / second.baseline.emission.kg_co2e
    assert abs(ratio - 3) < Decimal("0.01")


def test_an_unknown_factor_set_is_refused_with_the_accepted_ones(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    current = methodology.ensure_current(uow, settings)
    with uow, pytest.raises(UnknownFactorSet, match=r"accepted: .*desnz-2024"):
        list(rescore_period(uow.session, settings, current, *MAY, factor_set="nope"))


def test_only_the_asked_kinds_are_scored_again(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    ids = _seed(uow)  # business travel only
    current = methodology.ensure_current(uow, settings)
    with uow:
        travel = [
            r.activity_id
            for r in rescore_period(
                uow.session, settings, current, *MAY, kinds=(ActivityKind.BUSINESS_TRAVEL,)
            )
        ]
        commutes = list(
            rescore_period(uow.session, settings, current, *MAY, kinds=(ActivityKind.COMMUTE,))
        )
    assert sorted(travel) == sorted(ids.values())
    assert commutes == []
