"""What a request needs from the composition root: settings and a unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from corp_carbon.config import Settings
from corp_carbon.db.session import DatabaseEngine, SessionFactory, UnitOfWork

EXTENSION_KEY = "corp_carbon"


@dataclass(frozen=True)
class CarbonState:
    settings: Settings
    engine: DatabaseEngine
    session_factory: SessionFactory

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)


def carbon() -> CarbonState:
    state: CarbonState = current_app.extensions[EXTENSION_KEY]
    return state
