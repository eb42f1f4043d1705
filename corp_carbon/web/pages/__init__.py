"""The employee's pages: home and trips, points statement, rewards, compare before you book.

Each module registers its routes on the blueprint; ``MODULES`` is the order they are added in.
"""

from __future__ import annotations

from types import ModuleType

from corp_carbon.web.pages import compare, home, points, rewards, trips, widget

MODULES: tuple[ModuleType, ...] = (
    home,
    trips,
    points,
    rewards,
    compare,
    widget,
)
