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
    #: where reports read (``[database] report_url``, a read replica); None = ``engine``.
    report_engine: DatabaseEngine | None = None
    report_session_factory: SessionFactory | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def report_uow(self) -> UnitOfWork:
        """A unit of work for reading a report: on the read replica when one is configured."""
        return UnitOfWork(self.report_session_factory or self.session_factory)

    def dispose(self) -> None:
        """Closes the pooled connections of both engines."""
        self.engine.dispose()
        if self.report_engine is not None and self.report_engine is not self.engine:
            self.report_engine.dispose()


def carbon() -> CarbonState:
    state: CarbonState = current_app.extensions[EXTENSION_KEY]
    return state
