"""Readiness: can the database be reached, and is its schema at the code's migration head?"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from corp_carbon.resources import migrations_dir


@dataclass(frozen=True)
class Health:
    database: str  # "ok" or the error
    schema: str  # "ok", "outdated (<rev> < <head>)" or "unknown"

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.schema == "ok"


def check(engine: Engine) -> Health:
    head = ScriptDirectory(str(migrations_dir())).get_current_head()
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
    except sa.exc.SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        return Health(database=f"unreachable: {type(cause).__name__}", schema="unknown")
    if current != head:
        return Health(database="ok", schema=f"outdated ({current or 'empty'}; expected {head})")
    return Health(database="ok", schema="ok")
