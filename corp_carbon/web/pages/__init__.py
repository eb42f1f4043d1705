"""The employee's pages: home and trips, points statement, rewards, compare before you book.

Each module registers its routes on the blueprint; ``MODULES`` is the order they are added in.
"""

from __future__ import annotations

from types import ModuleType

from corp_carbon.web.pages import compare, home, my_data, points, rewards, team, trips

MODULES: tuple[ModuleType, ...] = (
    home,
    trips,
    points,
    rewards,
    compare,
    my_data,
    team,
)
