"""Signing in and out: company SSO and the development login.

Each module registers its routes on the blueprint; ``MODULES`` is the order they are added in.
"""

from __future__ import annotations

from types import ModuleType

from corp_carbon.web.auth import dev_login, login

MODULES: tuple[ModuleType, ...] = (
    login,
    dev_login,
)
