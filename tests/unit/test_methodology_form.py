"""Reading a proposed methodology from the page's form, the history's diff, and the preview's
rules (period, caps, suppression): pure functions, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from corp_carbon.domain.methodology import BY_YEAR, Methodology
from corp_carbon.domain.methodology_changes import (
    BusinessClassRule,
    Change,
    FactorSetChoice,
    changes,
)
from corp_carbon.domain.methodology_form import (
    InvalidProposal,
    Offer,
    form_values,
    read_proposal,
    read_reason,
)
from corp_carbon.domain.methodology_preview import Scored, Tally, compare, last_twelve_months
from corp_carbon.domain.vocabulary import ActivityKind, Fuel, Mode

OFFER = Offer(
    factor_sets=("desnz-2024", "desnz-2025", "epa-2025"),
    families=("desnz", "epa"),
    rate_cards=("wuhan-2024",),
)
BASE = Methodology(version=3)


def _form(**changed: str | list[str]) -> dict[str, str | list[str]]:
    values = form_values(BASE)
    values.update(changed)
    return values


def test_the_form_filled_from_a_version_reads_back_as_that_policy() -> None:
    proposed = read_proposal(form_values(BASE), BASE, OFFER)
    assert proposed.version == 0  # not stored yet
    assert proposed.same_policy(BASE)
    assert changes(BASE, proposed) == []


def test_every_item_of_the_form_is_read() -> None:
    proposed = read_proposal(
        _form(
            factor_set="epa-2025",
            radiative_forcing="",
            include_well_to_tank="on",
            band_low="200",
            band_high="1,200",
            business_class_hauls=["long_haul", "international"],
            business_class_min_km="0",
            reference_car_fuel="petrol",
            additionality="personal",
            points_rule="wuhan-2024",
            commute_trips_per_day="4",
            self_reported_per_month="0",
        ),
        BASE,
        OFFER,
    )
    assert proposed.factor_set == "epa-2025"
    assert proposed.family == BASE.family  # a fixed set leaves the family as it was
    assert proposed.radiative_forcing is False
    assert proposed.include_well_to_tank is True
    assert (proposed.rail_vs_flight_min_km, proposed.rail_vs_flight_max_km) == (200, 1200)
    assert proposed.business_class_hauls == ("long_haul", "international")
    assert proposed.business_class_min_km == 0
    assert proposed.reference_car_fuel is Fuel.PETROL
    assert proposed.additionality == "personal"
    assert proposed.points_rule == "wuhan-2024"
    assert (proposed.commute_trips_per_day, proposed.self_reported_per_month) == (4, 0)
    assert proposed.detour_factors == BASE.detour_factors  # not on the form: carried over


def test_by_year_names_its_family() -> None:
    proposed = read_proposal(_form(factor_set="by-year:epa"), BASE, OFFER)
    assert (proposed.factor_set, proposed.family) == (BY_YEAR, "epa")


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        ("factor_set", "desnz-1999", "Factor set: 'desnz-1999' is not a published"),
        ("factor_set", "by-year:defra", "Factor set: 'by-year:defra'"),
        ("band_low", "-5", "Rail-vs-flight band, from: '-5' is not a whole number of km"),
        ("band_high", "far", "Rail-vs-flight band, to: 'far'"),
        ("business_class_min_km", "99999", "Business class on flights from: '99999'"),
        ("business_class_hauls", ["ultra_long"], "Business class allowed on: 'ultra_long'"),
        ("reference_car_fuel", "hydrogen", "Reference car: 'hydrogen'"),
        ("additionality", "both", "Commute baseline: 'both'"),
        ("points_rule", "paris-2030", "Points rule: 'paris-2030'"),
        ("commute_trips_per_day", "-1", "Commute trips per day: '-1' is not a whole number"),
        ("commute_trips_per_day", "11", "from 0 to 10"),
        ("self_reported_per_month", "1.5", "Self-reported trips per month: '1.5'"),
    ],
)
def test_a_wrong_field_is_named(field: str, typed: str | list[str], words: str) -> None:
    with pytest.raises(InvalidProposal) as caught:
        read_proposal(_form(**{field: typed}), BASE, OFFER)
    assert list(caught.value.errors) == [field]
    assert words in caught.value.errors[field]


def test_a_band_whose_low_end_is_not_below_its_high_end_is_refused() -> None:
    with pytest.raises(InvalidProposal) as caught:
        read_proposal(_form(band_low="1500", band_high="1500"), BASE, OFFER)
    assert caught.value.errors == {
        "band_high": "Rail-vs-flight band: the upper end (1,500 km) must be above the lower "
        "end (1,500 km)"
    }


def test_all_wrong_fields_are_named_at_once() -> None:
    with pytest.raises(InvalidProposal) as caught:
        read_proposal(
            _form(factor_set="nope", commute_trips_per_day="-1", self_reported_per_month=""),
            BASE,
            OFFER,
        )
    assert set(caught.value.errors) == {
        "factor_set",
        "commute_trips_per_day",
        "self_reported_per_month",
    }


def test_a_reason_is_required_and_bounded() -> None:
    assert read_reason({"reason": "  DESNZ   advice\n2025 "}) == "DESNZ advice 2025"
    with pytest.raises(InvalidProposal, match="Reason: say why"):
        read_reason({"reason": "   "})
    with pytest.raises(InvalidProposal, match="at most 500 characters"):
        read_reason({"reason": "x" * 501})


def test_the_history_diff_names_each_changed_item_once() -> None:
    after = Methodology(
        version=4,
        factor_set="desnz-2025",
        radiative_forcing=False,
        rail_vs_flight_min_km=Decimal("200"),
        business_class_min_km=Decimal("0"),
        commute_trips_per_day=4,
    )
    assert changes(BASE, after) == [
        Change(
            "factor_set", FactorSetChoice(BY_YEAR, "desnz"), FactorSetChoice("desnz-2025", None)
        ),
        Change("radiative_forcing", True, False),
        Change(
            "rail_vs_flight_band",
            (Decimal("150"), Decimal("1500")),
            (Decimal("200"), Decimal("1500")),
        ),
        Change(
            "business_class",
            BusinessClassRule(("long_haul",), Decimal("3700")),
            BusinessClassRule(("long_haul",), Decimal("0")),
        ),
        Change("commute_trips_per_day", 2, 4),
    ]
    assert changes(None, after) == []  # the first version changes nothing


def test_the_last_twelve_months_end_today() -> None:
    assert last_twelve_months(date(2026, 12, 2)) == (date(2025, 12, 3), date(2026, 12, 2))
    assert last_twelve_months(date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))


def _commute(activity_id: int, employee: int, points: int, day: int = 7) -> Scored:
    return Scored(
        activity_id, employee, ActivityKind.COMMUTE, Mode.BIKE, date(2026, 5, day), False,
        Decimal("0"), Decimal(points) / 1000, points,
    )  # fmt: skip


def test_each_side_applies_its_own_caps_in_the_order_trips_were_recorded() -> None:
    strict = Tally(Methodology(commute_trips_per_day=2))
    loose = Tally(Methodology(commute_trips_per_day=3))
    # three commutes of one day, recorded 3, 1, 2: the cap of 2 takes back the last recorded
    for tally in (strict, loose):
        for item in (_commute(3, 1, 300), _commute(1, 1, 100), _commute(2, 1, 200)):
            tally.add(item)
        tally.close()
    preview = compare(strict, loose, date(2025, 6, 1), date(2026, 5, 31), min_group_size=1)
    commuting = preview.sections[1]
    assert commuting.kind is ActivityKind.COMMUTE
    assert (commuting.total.current.points, commuting.total.proposed.points) == (300, 600)
    assert preview.capped == (1, 0)
    # avoided emissions are not capped: only points are
    assert commuting.total.current.avoided_kg_co2e == Decimal("0.6")


def test_modes_of_too_few_travellers_are_merged_into_other_on_both_sides() -> None:
    current, proposed = Tally(Methodology()), Tally(Methodology())
    for tally, points in ((current, 10), (proposed, 20)):
        for employee in (1, 2):
            tally.add(_commute(employee, employee, points))
        tally.add(
            Scored(9, 3, ActivityKind.COMMUTE, Mode.FERRY, date(2026, 5, 7), False,
                   Decimal("1"), Decimal("0"), 0)
        )  # fmt: skip
        tally.add(
            Scored(10, 4, ActivityKind.COMMUTE, Mode.WALK, date(2026, 5, 7), False,
                   Decimal("0"), Decimal("0"), 5)
        )  # fmt: skip
        tally.close()
    preview = compare(current, proposed, date(2025, 6, 1), date(2026, 5, 31), min_group_size=2)
    rows = preview.sections[1].rows
    assert [(r.mode, r.other) for r in rows] == [(Mode.BIKE, False), (None, True)]
    assert (rows[0].current.points, rows[0].proposed.points) == (20, 40)
    assert (rows[1].current.points, rows[1].proposed.points) == (5, 5)  # ferry + walk
    assert rows[1].current.kg_co2e == Decimal("1")
