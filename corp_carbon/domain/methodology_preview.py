"""The effect of a methodology change on a past period, side by side with the current version.

Both sides score the same stored activities in memory, so the difference is the methodology
alone. Points follow the caps of each side (activities in the order they were recorded, as
crediting counts them). Figures go by business travel and commuting, then by mode; a mode
with fewer than ``min_group_size`` travellers is merged into "Other", as on every admin page.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.reporting import Cell, Figures, suppressed_rows
from corp_carbon.domain.scoring.caps import Caps
from corp_carbon.domain.vocabulary import ActivityKind, Mode

KINDS = (ActivityKind.BUSINESS_TRAVEL, ActivityKind.COMMUTE)


def last_twelve_months(today: date) -> tuple[date, date]:
    """The twelve months up to and including ``today``."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


@dataclass(frozen=True, slots=True)
class Scored:
    """One activity's figures under one methodology, before the caps; ``scored`` False: it
    could not be scored (no distance, unknown place) and counts with nothing."""

    activity_id: int
    employee_id: int
    kind: ActivityKind
    mode: Mode
    travel_date: date
    self_reported: bool
    kg_co2e: Decimal
    avoided_kg_co2e: Decimal
    points: int
    scored: bool = True


@dataclass
class Tally:
    """One side's figures per (kind, mode, employee), its caps applied by ``close``."""

    methodology: Methodology
    cells: dict[tuple[ActivityKind, Mode, int], Figures] = field(default_factory=dict)
    unscored: int = 0
    capped: int = 0
    _earning: list[Scored] = field(default_factory=list)

    def add(self, item: Scored) -> None:
        key = (item.kind, item.mode, item.employee_id)
        figures = Figures(item.kg_co2e, item.avoided_kg_co2e, item.points, 1)
        held = self.cells.get(key)
        self.cells[key] = figures if held is None else held + figures
        if not item.scored:
            self.unscored += 1
        elif item.points > 0:
            self._earning.append(item)

    def close(self) -> None:
        """Takes back the points of activities over a cap (in the order they were recorded)."""
        caps = Caps(self.methodology)
        for item in sorted(self._earning, key=lambda i: i.activity_id):
            admitted = caps.admit(
                item.employee_id,
                item.travel_date,
                commute=item.kind is ActivityKind.COMMUTE,
                self_reported=item.self_reported,
            )
            if not admitted:
                self.capped += 1
                key = (item.kind, item.mode, item.employee_id)
                self.cells[key] = self.cells[key] + Figures(points=-item.points)
        self._earning.clear()


@dataclass(frozen=True, slots=True)
class SideBySide:
    """One row: a mode (None with ``other``: the modes merged into "Other"), or a total."""

    mode: Mode | None
    current: Figures
    proposed: Figures
    other: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    kind: ActivityKind
    rows: tuple[SideBySide, ...]
    total: SideBySide


@dataclass(frozen=True, slots=True)
class Preview:
    date_from: date
    date_to: date
    sections: tuple[Section, ...]
    total: SideBySide
    min_group_size: int
    #: activities that could not be scored, and activities over a cap, on each side.
    unscored: tuple[int, int]
    capped: tuple[int, int]

    @property
    def activities(self) -> int:
        return self.total.current.activities


def compare(
    current: Tally, proposed: Tally, date_from: date, date_to: date, min_group_size: int
) -> Preview:
    """The two sides by kind and mode, with the same modes shown and merged on both sides."""
    sections = []
    for kind in KINDS:
        shown = suppressed_rows(_cells(current, kind), min_group_size, 1)
        visible = {Mode(row.key[0]) for row in shown if not row.other}
        now, then = _by_mode(current, kind), _by_mode(proposed, kind)
        rows = [
            SideBySide(mode, now.get(mode, Figures()), then.get(mode, Figures()))
            for mode in Mode
            if mode in visible
        ]
        if any(row.other for row in shown):
            rows.append(SideBySide(None, _sum(now, visible), _sum(then, visible), other=True))
        total = SideBySide(None, _sum(now), _sum(then))
        sections.append(Section(kind, tuple(rows), total))
    overall = SideBySide(
        None,
        sum((s.total.current for s in sections), Figures()),
        sum((s.total.proposed for s in sections), Figures()),
    )
    return Preview(
        date_from,
        date_to,
        tuple(sections),
        overall,
        min_group_size,
        (current.unscored, proposed.unscored),
        (current.capped, proposed.capped),
    )


def _cells(tally: Tally, kind: ActivityKind) -> Iterable[Cell]:
    for (k, mode, employee), figures in tally.cells.items():
        if k is kind:
            yield Cell((mode.value,), employee, figures)


def _by_mode(tally: Tally, kind: ActivityKind) -> dict[Mode, Figures]:
    result: dict[Mode, Figures] = {}
    for (k, mode, _), figures in tally.cells.items():
        if k is kind:
            result[mode] = result.get(mode, Figures()) + figures
    return result


def _sum(by_mode: dict[Mode, Figures], leave_out: Collection[Mode] = ()) -> Figures:
    """The figures of every mode but those left out."""
    return sum((f for m, f in by_mode.items() if m not in leave_out), Figures())
