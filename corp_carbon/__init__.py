"""corp-carbon: employee carbon accounts for commuting and business travel.

The package's face is lazy (PEP 562): ``corp_carbon.create_app`` and ``corp_carbon.init_app``
load the web application on first use, so importing ``connectors`` or ``corp_carbon.domain``
(a connector in a batch job, the CLI parsing its arguments) never loads Flask or SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corp_carbon.app import create_app, init_app

__all__ = ["create_app", "init_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from corp_carbon import app

        return getattr(app, name)
    raise AttributeError(f"module 'corp_carbon' has no attribute {name!r}")
