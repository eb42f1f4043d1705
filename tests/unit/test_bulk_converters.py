"""The fast paths of the bulk writes and row checks give the answers of the slow ones: the
COPY converter of a scaled decimal keeps results by value (equal values, equal results), and
``cells`` checks a record's lengths and ranges once before building any problem."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from corp_carbon.db.bulk import _copy_processor
from corp_carbon.db.models import Activity, Assessment
from corp_carbon.services.imports import cells

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
VALUES = [
    Decimal("51.4706"), Decimal("51.470600"), Decimal("-0.461941"), Decimal("0.0000005"),
    Decimal("0.0000015"), Decimal("-0.0000005"), Decimal("1E+3"), Decimal("1000"),
    Decimal("123456.1234565"), Decimal("0"), Decimal("-0"),
]  # fmt: skip


Column = sa.orm.InstrumentedAttribute[Decimal | None]


@pytest.mark.parametrize("column", [Activity.origin_lat, Activity.distance_km, Assessment.kg_co2e])
def test_scaled_copy_values_equal_the_types_own_binding(column: Column) -> None:
    kind = column.property.columns[0].type
    own = kind.bind_processor(DIALECT)
    fast = _copy_processor(kind, DIALECT)
    assert own is not None and fast is not None
    for value in VALUES * 2:  # the second pass is answered from what the first kept
        assert fast(value) == own(value), value


def test_a_scaled_nan_takes_the_types_own_path() -> None:
    kind = Activity.distance_km.property.columns[0].type
    own = kind.bind_processor(DIALECT)
    fast = _copy_processor(kind, DIALECT)
    assert own is not None and fast is not None
    for attempt in (own, fast):
        with pytest.raises((InvalidOperation, ValueError, TypeError)):
            attempt(Decimal("NaN"))


def test_json_copy_values_are_json_dumps() -> None:
    fast = _copy_processor(Assessment.explanation.property.columns[0].type, DIALECT)
    assert fast is not None
    for value in ([], [{"step": 1}], {}, [[]]):
        assert fast(value) == json.dumps(value)


class _Segment:
    def __init__(self, **values: object) -> None:
        for name in cells.SEGMENT_COLUMNS:
            setattr(self, name, values.get(name))


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"carrier": "LH", "nights": 2, "spend_amount": Decimal("12.5")},
        {"carrier": "X" * 64},
        {"carrier": "X" * 65},
        {"nights": 2**31 - 1},
        {"nights": 2**31},
        {"spend_amount": Decimal("1E+20")},
        {"distance_km": Decimal("-1E+20")},
    ],
)
def test_the_quick_fit_agrees_with_the_problems(values: dict[str, object]) -> None:
    segment = _Segment(**values)
    found = list(cells._column_problems(1, "", segment, cells.SEGMENT_COLUMNS))
    assert cells._fits(segment, cells.SEGMENT_COLUMNS) is (not found)
    slow = [
        name
        for name, column in cells.SEGMENT_COLUMNS.items()
        if _too_big(getattr(segment, name), cells._limit(column))
    ]
    assert [p.field for p in found] == slow


def _too_big(value: object, limit: object) -> bool:
    if isinstance(value, str) and isinstance(limit, int):
        return len(value) > limit
    if isinstance(value, int | Decimal) and isinstance(limit, Decimal):
        return abs(Decimal(value)) > limit
    return False
