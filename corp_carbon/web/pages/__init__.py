"""The employee's pages: my carbon account, trips, commute, points statement, rewards,
compare before you book, and the portal widget.

Each module registers its routes on the blueprint; ``MODULES`` is the order they are added in.
"""

from __future__ import annotations

from types import ModuleType

from corp_carbon.web.pages import (
    commute,
    compare,
    home,
    my_data,
    points,
    rewards,
    team,
    trips,
    widget,
)

MODULES: tuple[ModuleType, ...] = (
    home,
    trips,
    points,
    rewards,
    compare,
    commute,
    my_data,
    team,
    widget,
)
