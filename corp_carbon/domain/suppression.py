"""Which groups of a breakdown to hide so that no small group can be recovered by subtraction,
from this table or from any coarser breakdown of the same period.

A group of fewer than ``k`` distinct employees is hidden. That alone is not enough: a
reader who also has a coarser table can subtract. With Finance (6 people: 5 by air, 1 by
bike) shown by department, a table by department and mode that shows Finance/air gives
Finance/bike, one person's figures, as Finance minus Finance/air. So the rule holds for
every margin a reader can get:

1. **Coarser tables agree.** For every proper subset of the dimensions, the groups the table
   of those dimensions alone hides are hidden here too (worked out by the same rule, so a
   department hidden in the table by department, or taken as its complement, is hidden in
   every table that has departments).
2. **Every margin hides a safe amount.** Within any value of any subset of dimensions (a
   department; a department and month; the whole table), what is hidden is nothing, or
   people enough (at least ``k``); the whole table's hidden part, shown as "Other", also
   takes at least two groups. Short of that, the smallest shown group of the margin is
   hidden as well, until every margin holds (each step hides one more group, so it ends).

Hiding more than needed costs detail, never correctness: "Other" still adds up to the total.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from itertools import combinations
from typing import Protocol


class Grouped(Protocol):
    """A group of a breakdown: its key (one label per dimension), its distinct employees and
    the kg that break ties between groups of the same size."""

    @property
    def key(self) -> tuple[str, ...]: ...

    @property
    def employees(self) -> set[Hashable]: ...

    @property
    def kg(self) -> Decimal: ...


class _Projected:
    """The union of some groups, keyed by a subset of their dimensions."""

    def __init__(self, key: tuple[str, ...]) -> None:
        self.key = key
        self.employees: set[Hashable] = set()
        self.kg = Decimal(0)


def hidden_groups(groups: Sequence[Grouped], k: int) -> set[int]:
    """The indexes of ``groups`` (all of one width) to merge into "Other"."""
    if not groups:
        return set()
    width = len(groups[0].key)
    hidden = {i for i, g in enumerate(groups) if len(g.employees) < k}
    for positions in _proper_subsets(width, with_empty=False):
        members = _margins(groups, positions)
        projected = [_project(groups, key, indexes) for key, indexes in members.items()]
        for j in hidden_groups(projected, k):
            hidden.update(members[projected[j].key])
    if not hidden:
        return hidden
    margins = [(p, _margins(groups, p)) for p in _proper_subsets(width, with_empty=True)]
    changed = True
    while changed:
        changed = False
        for positions, by_key in margins:
            for indexes in by_key.values():
                if _widen(groups, indexes, hidden, k, whole=not positions):
                    changed = True
    return hidden


def _widen(
    groups: Sequence[Grouped], indexes: list[int], hidden: set[int], k: int, *, whole: bool
) -> bool:
    """Hides the margin's smallest shown group when its hidden part is not yet safe."""
    inside = [i for i in indexes if i in hidden]
    if not inside:
        return False
    people: set[Hashable] = set().union(*(groups[i].employees for i in inside))
    if len(people) >= k and (len(inside) >= 2 or not whole):
        return False
    shown = [i for i in indexes if i not in hidden]
    if not shown:
        return False
    hidden.add(min(shown, key=_smallest_first(groups)))
    return True


def _smallest_first(groups: Sequence[Grouped]) -> Callable[[int], tuple[object, ...]]:
    return lambda i: (len(groups[i].employees), groups[i].kg, groups[i].key)


def _proper_subsets(width: int, *, with_empty: bool) -> list[tuple[int, ...]]:
    sizes = range(0 if with_empty else 1, width)
    return [p for size in sizes for p in combinations(range(width), size)]


def _margins(
    groups: Sequence[Grouped], positions: tuple[int, ...]
) -> dict[tuple[str, ...], list[int]]:
    found: dict[tuple[str, ...], list[int]] = {}
    for i, g in enumerate(groups):
        found.setdefault(tuple(g.key[p] for p in positions), []).append(i)
    return found


def _project(groups: Sequence[Grouped], key: tuple[str, ...], indexes: list[int]) -> _Projected:
    projected = _Projected(key)
    for i in indexes:
        projected.employees |= groups[i].employees
        projected.kg += groups[i].kg
    return projected
