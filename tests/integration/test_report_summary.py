"""The period summary on the hand-computed fixture (tests/report_fixture.py), every figure
worked out by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from corp_carbon.db.models import MethodologyVersion
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.reporting import Dimension, Figures
from corp_carbon.services.reports.summary import period_summary
from tests.report_fixture import PERIOD, K, seed

OTHER = "Other (fewer than 5)"


def _figures(kg: str, avoided: str, points: int, count: int, km: str) -> Figures:
    return Figures(Decimal(kg), Decimal(avoided), points, count, Decimal(km))


def _rows(uow: UnitOfWork, *dimensions: Dimension) -> list[tuple[tuple[str, ...], int, Figures]]:
    summary = period_summary(uow, *PERIOD, dimensions, min_group_size=K)
    return [(r.key, r.employees, r.figures) for r in summary.rows]


def test_totals_keep_business_travel_and_commuting_apart(uow: UnitOfWork) -> None:
    seed(uow)
    summary = period_summary(uow, *PERIOD, [Dimension.CATEGORY], min_group_size=K)
    # 5 x 10 kg rail + 5 x 150 kg flights; the cancelled, 2025 and comparison figures left out
    assert summary.business_travel == _figures("800", "0", 0, 10, "6500")
    # 1 bike commute (1.5 kg avoided, 1500 points) + 4 x 4 kg car commutes
    assert summary.commuting == _figures("16", "1.5", 1500, 5, "85")
    assert summary.total == _figures("816", "1.5", 1500, 15, "6585")
    assert [(r.key, r.employees) for r in summary.rows] == [
        (("Scope 3 category 6: business travel",), 10),
        (("Scope 3 category 7: employee commuting",), 5),
    ]


def test_a_department_of_four_goes_into_other_with_the_next_smallest(uow: UnitOfWork) -> None:
    seed(uow)
    # Legal (4 people) is hidden; alone it would be total - Finance - Sales, so Sales (5
    # people, fewer kg than Finance) goes with it. Legal's later move changes nothing.
    assert _rows(uow, Dimension.DEPARTMENT) == [
        (("Finance",), 5, _figures("750", "1.5", 1500, 6, "5005")),
        ((OTHER,), 9, _figures("66", "0", 0, 9, "1580")),
    ]


def test_a_finer_table_never_gives_away_a_small_group_by_subtraction(uow: UnitOfWork) -> None:
    seed(uow)
    # By department and mode, Finance/air (5) and Sales/rail (5) would pass on their own. But
    # the table by department shows Finance (6 people): Finance minus Finance/air would be
    # the one cyclist's figures; and it hides Sales with Legal: Sales/rail shown would give
    # Legal as Other minus Sales. So Finance, Sales and Legal all go into Other here.
    assert _rows(uow, Dimension.DEPARTMENT, Dimension.MODE) == [
        ((OTHER, OTHER), 14, _figures("816", "1.5", 1500, 15, "6585")),
    ]
    by_department = _rows(uow, Dimension.DEPARTMENT)
    assert [key for key, _, _ in by_department] == [("Finance",), (OTHER,)]


def test_by_month_and_office(uow: UnitOfWork) -> None:
    seed(uow)
    assert _rows(uow, Dimension.MONTH, Dimension.OFFICE) == [
        (("2026-03", "Berlin"), 14, _figures("816", "1.5", 1500, 15, "6585")),
    ]


def test_by_haul_and_cabin(uow: UnitOfWork) -> None:
    seed(uow)
    # Short-haul economy (4 people) and business (1) are both small: together 5, one Other
    # row. Everything not flown is one group, so the rows add up to the total (816 kg).
    assert _rows(uow, Dimension.HAUL_CABIN) == [
        (("Not a flight",), 10, _figures("66", "1.5", 1500, 10, "1585")),
        ((OTHER,), 5, _figures("750", "0", 0, 5, "5000")),
    ]
    # Without suppression each group shows; the cancelled, 2025 and comparison long-haul
    # figures are not among them.
    summary = period_summary(uow, *PERIOD, [Dimension.HAUL_CABIN], min_group_size=1)
    assert [(r.key, r.employees, r.figures) for r in summary.rows] == [
        (("Not a flight",), 10, _figures("66", "1.5", 1500, 10, "1585")),
        (("Short-haul · Business",), 1, _figures("150", "0", 0, 1, "1000")),
        (("Short-haul · Economy",), 4, _figures("600", "0", 0, 4, "4000")),
    ]


def test_a_new_methodology_version_keeps_the_figures_trips_were_last_assessed_with(
    uow: UnitOfWork,
) -> None:
    """Right after a methodology change no trip is assessed under it yet: the summary keeps
    each trip's last figures rather than dropping to 0 kg until they are assessed again."""
    seed(uow)
    before = period_summary(uow, *PERIOD, [Dimension.CATEGORY], min_group_size=K)
    with uow:
        uow.session.add(
            MethodologyVersion(
                version=2, factor_set="fixture-set", radiative_forcing=False,
                points_rule="avoided_grams", additionality="reference", parameters={},
            )
        )  # fmt: skip
        uow.commit()
    after = period_summary(uow, *PERIOD, [Dimension.CATEGORY], min_group_size=K)
    assert after.total == before.total == _figures("816", "1.5", 1500, 15, "6585")
