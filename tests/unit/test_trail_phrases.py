"""The scoring trail as phrases: each step's stored phrase says exactly its English text, so
a page can say the same step in another language from the phrase alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from corp_carbon.catalogue import load_catalogue
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.phrases import N_, Num, Phrase, Word, say
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.explain import explain
from corp_carbon.domain.scoring.values import Trip
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, DistanceSource, Fuel, Mode

CATALOGUE = load_catalogue()


def _english(value: Any) -> str:
    """A stored phrase said in English from its JSON alone (as the web layer does)."""
    if isinstance(value, dict) and "msg" in value:
        args = {k: _english(v) for k, v in (value.get("args") or {}).items()}
        return value["msg"] % args if args else value["msg"]
    if isinstance(value, dict) and "num" in value:
        return str(Num(Decimal(value["num"]), value["digits"]))
    if isinstance(value, dict) and "label" in value:
        return str(Word(value["label"]))
    return str(value)


TRIPS = {
    "long-haul economy flight": Trip(
        mode=Mode.AIR, distance_km=Decimal("5555.5"), distance_source=DistanceSource.COMPUTED,
        cabin=Cabin.ECONOMY, origin_country="GB", destination_country="US",
    ),
    "rail in the band": Trip(
        mode=Mode.RAIL, distance_km=Decimal("412.5"), route_km=Decimal("343.8"),
        origin_country="GB", destination_country="FR",
    ),
    "electric car": Trip(
        mode=Mode.CAR, fuel=Fuel.BEV, distance_km=Decimal("40"), origin_country="GB",
        destination_country="GB",
    ),
    "bike commute": Trip(
        mode=Mode.BIKE, kind=ActivityKind.COMMUTE, distance_km=Decimal("6"),
        distance_source=DistanceSource.DECLARED,
    ),
    "first class": Trip(
        mode=Mode.AIR, distance_km=Decimal("900"), cabin=Cabin.FIRST, origin_country="GB",
        destination_country="FR",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(TRIPS))
def test_every_step_has_a_phrase_that_says_its_text(name: str) -> None:
    scorer = Scorer(Methodology(factor_set="desnz-2024"), CATALOGUE.factor_sets, {})
    steps = explain(scorer.assess(TRIPS[name]))
    assert steps and steps[0]["step"] == "summary"
    for step in steps:
        assert "say" in step, step
        assert _english(step["say"]) == step["text"]


def test_a_phrase_keeps_its_template_and_values_apart() -> None:
    phrase = say(
        N_("%(what)s: %(km)s km by %(mode)s"), what=say(N_("an economy flight")),
        km=Num(Decimal("1234.5"), 1), mode=Word("ebike"),
    )  # fmt: skip
    assert str(phrase) == "an economy flight: 1,234.5 km by e-bike"
    assert phrase.to_json() == {
        "msg": "%(what)s: %(km)s km by %(mode)s",
        "args": {
            "what": {"msg": "an economy flight", "args": {}},
            "km": {"num": "1234.5", "digits": 1},
            "mode": {"label": "ebike"},
        },
    }
    assert not Phrase("")
