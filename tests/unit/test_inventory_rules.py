"""The inventory's rules: tallies suppress as the reporting rules do, a comparison column
keeps the groups of the reported one, and the commuting estimate states its arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from corp_carbon.domain.inventory import Coverage, DetailRow, Tally, regroup
from corp_carbon.domain.reporting import Cell, Figures, Group, suppress, suppressed_rows
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    CalculationMethod,
    Mode,
    Verification,
)

K = 5


def _row(employee: int, kg: str) -> DetailRow:
    return DetailRow(
        1, employee, "key", "Sales", "Berlin", date(2026, 3, 2), ActivityKind.BUSINESS_TRAVEL,
        Mode.RAIL, None, None, Decimal("10.000"), None, None, None, 1,
        CalculationMethod.DISTANCE, None, None, "set", "f", Decimal(kg), None, None,
        Decimal("0.000"), 0, None, ActivityStatus.CONFIRMED, Verification.SELF_REPORTED, None,
        None,
    )  # fmt: skip


@given(
    st.lists(
        st.tuples(st.sampled_from("ABCDE"), st.integers(0, 12), st.integers(0, 9_999)),
        max_size=60,
    )
)
def test_a_tally_suppresses_exactly_as_the_reporting_rules(
    items: list[tuple[str, int, int]],
) -> None:
    tally = Tally()
    cells = []
    for group, employee, grams in items:
        kg = str(Decimal(grams).scaleb(-3))
        tally.add((group,), _row(employee, kg))
        figures = Figures(Decimal(kg), Decimal("0.000"), 0, 1, Decimal("10.000"))
        cells.append(Cell((group,), employee, figures))
    assert tally.rows(K) == suppressed_rows(cells, K, 1)


def test_a_comparison_column_keeps_the_reported_groups() -> None:
    def groups(kg: dict[str, str]) -> list[Group]:
        people = {"Rail": range(6), "Flight": range(6, 11), "Hotel": [11], "Taxi": [12]}
        return [
            Group((key,), set(people[key]), Figures(Decimal(value), activities=len(people[key])))
            for key, value in kg.items()
        ]

    like = suppress(groups({"Rail": "5", "Flight": "90", "Hotel": "2", "Taxi": "1"}), K, 1)
    # Hotel and Taxi are small (2 people): the smallest shown group, Flight (5), joins them
    assert [r.key for r in like] == [("Rail",), ("Other (fewer than 5)",)]
    # under another set Flight is far smaller than Rail, but the columns keep the same rows
    other = regroup(groups({"Rail": "50", "Flight": "1", "Hotel": "3", "Taxi": "4"}), like, K)
    assert [(r.key, r.employees, r.figures.kg_co2e) for r in other] == [
        (("Rail",), 6, Decimal("50")),
        (("Other (fewer than 5)",), 7, Decimal("8")),
    ]


def test_the_estimate_for_employees_without_commute_data() -> None:
    coverage = Coverage(headcount=15, covered=6, measured_kg=Decimal("16.000"))
    assert (coverage.uncovered, coverage.share) == (9, Decimal("0.4"))
    assert coverage.average_kg == Decimal("2.667")  # 2.6666... half up to the gram
    assert coverage.extrapolated_kg == Decimal("24.003")
    assert "16.000 kg CO2e measured / 6 covered employees = 2.667 kg each" in (
        coverage.assumption()
    )


def test_no_estimate_without_anyone_to_extrapolate_from_or_to() -> None:
    nobody = Coverage(headcount=4, covered=0, measured_kg=Decimal("0.000"))
    assert nobody.average_kg is None and nobody.extrapolated_kg == Decimal("0.000")
    assert "no estimate is made" in nobody.assumption()
    everyone = Coverage(headcount=4, covered=4, measured_kg=Decimal("8.000"))
    assert everyone.extrapolated_kg == Decimal("0.000")
    assert everyone.assumption().startswith("Every employee in the headcount is covered")
    assert Coverage(0, 0, Decimal("0.000")).share is None
