"""The overview's figures survive JSON exactly: every Decimal with its exponent, Money,
rows, the merged Other row, the data quality's runs; another format is refused, not guessed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from corp_carbon.domain.data_quality import (
    DataQuality,
    DistanceShare,
    RunCounts,
    RunQuality,
    SourceQuality,
)
from corp_carbon.domain.overview import BREAKDOWNS, OverviewFigures
from corp_carbon.domain.overview_codec import FORMAT, UnreadableSnapshot, decode, encode
from corp_carbon.domain.periods import Period
from corp_carbon.domain.programme import (
    AvoidedByCategory,
    Money,
    PointMovements,
    PointsPosition,
    ProgrammeFigures,
)
from corp_carbon.domain.reporting import Dimension, Figures, Row, Summary
from corp_carbon.domain.vocabulary import ImportRunStatus

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
#: decimals whose text a float or a careless quantize would change
AWKWARD = (Decimal("0.816"), Decimal("1E+3"), Decimal("0.000"), Decimal("-0.0005"),
           Decimal("12345678901234567890.123456789"))  # fmt: skip


def _figures(kg: Decimal) -> Figures:
    return Figures(kg, Decimal("1.500"), 1500, 3, Decimal("6585.000"), 2)


def _summary(dimension: Dimension) -> Summary:
    rows = [Row((k,), 5 + i, _figures(AWKWARD[i])) for i, k in enumerate(("Finance", "Sales"))]
    rows.append(Row(("Other (fewer than 5)",), 9, _figures(AWKWARD[2]), other=True))
    return Summary((dimension,), rows, _figures(AWKWARD[3]), _figures(AWKWARD[4]), 5)


def _overview(*, programme: bool) -> OverviewFigures:
    points = PointMovements(1300, 550, 250, 500, 400, 150, 50, 25, 1375)
    value = Money(Decimal("0.0125"), "GBP")
    counts = RunCounts(150, 120, 7, 4, 10, 6, 3)
    quality = DataQuality(
        MARCH.first, MARCH.last,
        sources=(SourceQuality("Concur nightly", "SAP Concur", 2, counts),),
        runs=(RunQuality(7, datetime(2026, 3, 2, 6, 30, 15, 123456, tzinfo=UTC), "Concur nightly",
                         "SAP Concur", "itinerary.csv", ImportRunStatus.COMPLETED_WITH_ERRORS,
                         counts),),
        activities=11,
        distances=(DistanceShare("given", 4, Decimal("0.3636")),),
        flights=6, flights_without_cabin=3, waiting_records=4, waiting_travellers=3,
    )  # fmt: skip
    figures = ProgrammeFigures(
        MARCH.first, MARCH.last, points, value,
        AvoidedByCategory(Decimal("12.225"), Decimal("7.192")),
        AvoidedByCategory(Decimal("12.225"), Decimal("4.293")), "reference",
    )  # fmt: skip
    return OverviewFigures(
        period=MARCH,
        summaries=tuple(_summary(d) for d in BREAKDOWNS),
        programme=figures if programme else None,
        avoided_problem=None if programme else "methodology: the newest stored version ...",
        position=PointsPosition(MARCH.first, MARCH.last, points, value),
        quality=quality,
    )


@pytest.mark.parametrize("programme", [True, False])
def test_the_round_trip_through_json_text_is_exact(programme: bool) -> None:
    figures = _overview(programme=programme)
    back = decode(json.loads(json.dumps(encode(figures))))
    assert back == figures
    kgs = [str(row.figures.kg_co2e) for row in back.summary(Dimension.MODE).rows]
    assert kgs == ["0.816", "1E+3", "0.000"]  # the exponent too, not only the value
    assert str(back.summary(Dimension.OFFICE).commuting.kg_co2e) == str(AWKWARD[4])
    assert back.position.liability == Money(Decimal("17.1875"), "GBP")
    assert back.quality.runs[0].started_at == figures.quality.runs[0].started_at


def test_decimals_are_stored_as_text_never_as_numbers() -> None:
    stored = encode(_overview(programme=True))
    assert stored["format"] == FORMAT
    assert stored["summaries"][0]["rows"][0]["figures"]["kg_co2e"] == "0.816"
    assert stored["position"]["point_value"] == {"amount": "0.0125", "currency": "GBP"}


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(format=FORMAT + 1),
        lambda d: d.pop("quality"),
        lambda d: d["position"]["point_value"].update(amount=0.0125),  # a float: refused
        lambda d: d["summaries"][0]["rows"][0]["figures"].update(kg_co2e="lots"),
    ],
)
def test_another_format_or_damage_is_refused(damage: object) -> None:
    stored = encode(_overview(programme=True))
    damage(stored)  # type: ignore[operator]
    with pytest.raises(UnreadableSnapshot):
        decode(stored)
