"""The admin pages for HR, sustainability officers and admins.

Each module registers its routes on the blueprint; ``MODULES`` is the order they are added in.
"""

from __future__ import annotations

from types import ModuleType

from corp_carbon.web.admin import (
    audit,
    employees,
    erasures,
    imports,
    methodology,
    overview,
    points_policy,
    redemptions,
    reports,
    rewards,
    tokens,
)

MODULES: tuple[ModuleType, ...] = (
    overview,
    redemptions,
    rewards,
    imports,
    reports,
    methodology,
    points_policy,
    audit,
    tokens,
    employees,
    erasures,
)
