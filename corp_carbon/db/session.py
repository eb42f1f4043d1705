"""Engines, session factories and the unit of work that services use to own a transaction."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from corp_carbon.db import text_search

SessionFactory = Callable[[], Session]
#: the engine type, for holders of an engine that do not otherwise use SQLAlchemy (the web state).
DatabaseEngine = Engine


RowT = TypeVar("RowT")


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 5,
    connect_timeout: int = 5,
    prepared_statements: bool = True,
) -> Engine:
    """An engine with the per-dialect settings the ledger relies on.

    ``prepared_statements=False`` keeps psycopg from preparing statements on the server,
    which PgBouncer in transaction mode cannot follow between server connections.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        engine = sa.create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": connect_timeout}
        if not prepared_statements and parsed.get_driver_name() == "psycopg":
            kwargs["connect_args"]["prepare_threshold"] = None
        kwargs["pool_size"] = pool_size
        kwargs["pool_pre_ping"] = True
    return sa.create_engine(parsed, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, SQLAlchemy (not pysqlite) issuing BEGIN so SAVEPOINTs work, and
    a Unicode-aware lower() for searches (``db.text_search``)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.create_function(
            text_search.SQLITE_FUNCTION, 1, text_search.sqlite_lower, deterministic=True
        )
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_INTENT, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


#: execution option: this transaction will write, so SQLite takes the write lock at BEGIN
#: (waiting for it under busy_timeout) instead of failing when a read turns into a write.
WRITE_INTENT = "corp_carbon_write_intent"


def begin_write(session: Session) -> None:
    """Starts the session's transaction as a writer; call first in a unit of work that reads
    and then writes while other processes may write too (no effect on PostgreSQL)."""
    session.connection(execution_options={WRITE_INTENT: True})


def lock_row(session: Session, model: type[RowT], row_id: int) -> RowT | None:
    """The row, locked for the rest of the transaction, or None when there is none.

    The first statement is a write (an UPDATE setting the id to itself): on PostgreSQL it
    takes the row lock, on SQLite the database's write lock, so a concurrent change of the
    same row waits until this transaction ends. The row is then read fresh.
    """
    table_id = model.id  # type: ignore[attr-defined]
    found = session.scalar(
        sa.update(model)
        .where(table_id == row_id)
        .values(id=table_id)
        .returning(table_id)
        .execution_options(synchronize_session=False)
    )
    if found is None:
        return None
    return session.get(model, row_id, populate_existing=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


class UnitOfWork:
    """One use case's transaction: leaving the block without ``commit()`` rolls back."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._session

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()


def check_connection(engine: Engine) -> None:
    """Raises the driver's error if the database cannot be reached."""
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def rows_affected(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE statement changed."""
    return int(cast(sa.CursorResult[Any], result).rowcount)
