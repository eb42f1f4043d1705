"""The JSON API under /api/v1 and its OpenAPI document.

Each module registers its routes on the blueprint; ``MODULES`` is the order they are added in.
"""

from __future__ import annotations

from types import ModuleType

from corp_carbon.web.api import (
    activities,
    adjustment_requests,
    audit,
    commutes,
    estimates,
    import_runs,
    imports,
    ledger,
    me,
    my_data,
    openapi,
    places,
    reports,
    rewards,
    summary,
)

MODULES: tuple[ModuleType, ...] = (
    openapi,
    estimates,
    me,
    my_data,
    ledger,
    adjustment_requests,
    rewards,
    activities,
    commutes,
    imports,
    import_runs,
    audit,
    reports,
    places,
    summary,
)
