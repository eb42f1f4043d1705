"""Reporting rules: grouping, small-group suppression and the pseudonymous employee key."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corp_carbon.domain.reporting import (
    Cell,
    Dimension,
    Figures,
    group,
    label,
    parse_dimensions,
    pseudonym,
    summarise,
    suppressed_rows,
    total,
)
from corp_carbon.domain.suppression import hidden_groups
from corp_carbon.domain.vocabulary import ActivityKind

K = 5


def _figures(kg: str, points: int = 0) -> Figures:
    return Figures(Decimal(kg), Decimal("0.000"), points, 1, Decimal("10.000"))


def _department(name: str, people: int, kg: str) -> list[Cell]:
    return [Cell((name,), f"{name}-{i}", _figures(kg)) for i in range(people)]


def test_a_department_of_four_is_not_recoverable_from_the_total() -> None:
    cells = (
        _department("Sales", 6, "1.000")
        + _department("Legal", 4, "2.000")
        + _department("Finance", 8, "3.000")
    )
    rows = suppressed_rows(cells, K, 1)
    # Legal alone under "Other" would be total - Sales - Finance: Sales (the next smallest)
    # goes in with it.
    assert [(r.key, r.employees, r.figures.kg_co2e) for r in rows] == [
        (("Finance",), 8, Decimal("24.000")),
        (("Other (fewer than 5)",), 10, Decimal("14.000")),
    ]
    assert total(r.figures for r in rows) == total(c.figures for c in cells)


def test_groups_big_enough_are_all_shown() -> None:
    rows = suppressed_rows(_department("A", 5, "1") + _department("B", 7, "1"), K, 1)
    assert [r.key for r in rows] == [("A",), ("B",)]
    assert not any(r.other for r in rows)


def test_summary_keeps_the_categories_apart() -> None:
    cells = [
        (ActivityKind.BUSINESS_TRAVEL, Cell(("x",), 1, _figures("2.500", 3))),
        (ActivityKind.COMMUTE, Cell(("x",), 2, _figures("1.000", 1))),
    ]
    summary = summarise(cells, [Dimension.MODE], 1)
    assert summary.business_travel.kg_co2e == Decimal("2.500")
    assert summary.commuting.points == 1
    assert summary.total.activities == 2


def test_dimensions_parse_in_order_and_name_the_unknown() -> None:
    assert parse_dimensions("month, mode,month") == (Dimension.MONTH, Dimension.MODE)
    with pytest.raises(ValueError, match="'haul'"):
        parse_dimensions("month,haul")


def test_labels() -> None:
    assert label(Dimension.CATEGORY, "commute").startswith("Scope 3 category 7")
    assert label(Dimension.DEPARTMENT, None) == "(no department)"
    assert label(Dimension.MONTH, "2026-03") == "2026-03"


_cells = st.lists(
    st.builds(
        Cell,
        key=st.tuples(st.sampled_from("abcdefg")),
        employee=st.integers(0, 30),
        figures=st.builds(
            Figures,
            kg_co2e=st.decimals(0, 10_000, places=3),
            avoided_kg_co2e=st.decimals(0, 10_000, places=3),
            points=st.integers(0, 10_000),
            activities=st.integers(1, 50),
            distance_km=st.decimals(0, 100_000, places=3),
        ),
    ),
    max_size=80,
)


@given(_cells, st.integers(1, 8))
def test_suppression_keeps_the_totals(cells: list[Cell], k: int) -> None:
    rows = suppressed_rows(cells, k, 1)
    assert total(r.figures for r in rows) == total(c.figures for c in cells)


@given(_cells, st.integers(1, 8))
def test_no_small_group_is_shown_or_recoverable(cells: list[Cell], k: int) -> None:
    rows = suppressed_rows(cells, k, 1)
    shown = [r for r in rows if not r.other]
    assert all(r.employees >= k for r in shown)
    others = [r for r in rows if r.other]
    assert len(others) <= 1
    if others:
        merged = len({c.key for c in cells}) - len(shown)
        # never a single small group alone in Other while other groups are shown
        assert merged >= 2 or not shown
        assert others[0].employees >= k or not shown


_two_way = st.lists(
    st.builds(
        lambda dept, mode, who, kg: Cell((dept, mode), who, Figures(kg_co2e=Decimal(kg))),
        st.sampled_from("ABCDE"),
        st.sampled_from(["air", "rail", "bike"]),
        st.integers(0, 40),
        st.integers(0, 500),
    ),
    max_size=120,
)


@settings(max_examples=200)
@given(_two_way, st.integers(2, 6))
def test_no_small_group_can_be_recovered_from_a_coarser_table(cells: list[Cell], k: int) -> None:
    """Issue 15: with the table by department beside the table by department and mode, what a
    reader can subtract (a department's shown total minus its shown cells; the Other of one
    table minus shown cells of the other) always covers at least k people, or nothing."""
    groups = group(cells)
    hide = hidden_groups(groups, k)
    for position in (0, 1):  # department, then mode
        coarse = group(Cell((c.key[position],), c.employee, c.figures) for c in cells)
        hidden_there = {coarse[i].key[0] for i in hidden_groups(coarse, k)}
        for value in {g.key[position] for g in groups}:
            inside = [i for i, g in enumerate(groups) if g.key[position] == value]
            if value in hidden_there:
                assert all(i in hide for i in inside)  # hidden there, hidden here
                continue
            left: set[object] = set()
            for i in inside:
                if i in hide:
                    left |= groups[i].employees
            assert not left or len(left) >= k


@given(st.text(min_size=1), st.text(min_size=1), st.text(min_size=1))
def test_pseudonym_is_stable_and_keyed(secret: str, other: str, public_id: str) -> None:
    key = pseudonym(secret, public_id)
    assert key == pseudonym(secret, public_id)
    assert len(key) == 20 and int(key, 16) >= 0
    if other != secret:
        assert pseudonym(other, public_id) != key


def test_a_summary_holds_its_groups_not_every_cell_it_read() -> None:
    """A year of a large company is millions of cells (one per employee and group): the
    summary adds each to its group as it comes, so its memory is the groups', whatever the
    number of cells."""

    def cells(n: int) -> Iterator[tuple[ActivityKind, Cell]]:
        for i in range(n):
            figures = Figures(kg_co2e=Decimal("1.000"), points=1, activities=1)
            yield ActivityKind.COMMUTE, Cell((f"2026-{i % 12 + 1:02d}",), i % 40, figures)

    peaks = []
    for n in (20_000, 200_000):
        tracemalloc.start()
        summary = summarise(cells(n), [Dimension.MONTH], min_group_size=5)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert summary.commuting.activities == n and len(summary.rows) == 12
    assert peaks[1] < peaks[0] * 1.5, peaks  # ten times the cells, about the same memory
