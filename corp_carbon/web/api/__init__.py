"""The JSON API under /api/v1 and its OpenAPI document.

Each module registers its routes on the blueprint; ``MODULES`` is the order they are added in.
"""

from __future__ import annotations

from types import ModuleType

from corp_carbon.web.api import (
    activities,
    audit,
    estimates,
    import_runs,
    imports,
    ledger,
    me,
    my_data,
    openapi,
    reports,
    rewards,
)

MODULES: tuple[ModuleType, ...] = (
    openapi,
    estimates,
    me,
    my_data,
    ledger,
    rewards,
    activities,
    imports,
    import_runs,
    audit,
    reports,
)
