"""A database that cannot be reached just now: how to recognise it and how to name it.

Every entry point answers an outage the same way and from here: the web app with 503 and
``Retry-After``, the CLI with one line naming the server (never its password), an import run
by recording where it stopped. The engine's ``pool_pre_ping`` (``db.session.make_engine``)
replaces dead connections, so the service recovers by itself when the database returns.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

#: seconds a client is asked to wait (``Retry-After``) before trying again: about what a
#: PostgreSQL restart or a managed failover takes.
RETRY_AFTER_SECONDS = 30

#: the exception types an outage arrives as (the web layer registers its handler for them);
#: ``is_outage`` decides, as some of these have other causes (SQLite's "no such table").
ERROR_TYPES: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,  # the pool had no connection to give within its timeout
    sa_exc.DisconnectionError,
)

#: SQLite's words for a database that is busy or cannot be opened (its other operational
#: errors, such as "no such table", are faults of the schema, not outages).
_SQLITE_OUTAGES = ("database is locked", "database is busy", "unable to open", "disk i/o error")


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) means the database cannot be reached or used
    just now: connection refused or lost, server shutting down, pool timeout, SQLite locked."""
    for error in _causes(exc):
        if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
            return True
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
            return _driver_outage(error.orig)
        if _driver_outage(error):
            return True
    return False


def _driver_outage(error: BaseException | None) -> bool:
    if isinstance(error, sqlite3.OperationalError | sqlite3.InterfaceError):
        return any(words in str(error).lower() for words in _SQLITE_OUTAGES)
    psycopg = sys.modules.get("psycopg")  # loaded whenever a PostgreSQL engine is
    if psycopg is not None:
        return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
    return False


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def reason(exc: BaseException, url: str | None = None) -> str:
    """What the driver said, in one line (never the SQL or its parameters, never a password)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    text = lines[0].strip() if lines else type(cause).__name__
    password = make_url(url).password if url else None
    if password:
        text = text.replace(str(password), "***")
    return text


def where(url: str) -> str:
    """The database a URL names, for an operator: server, port, database and user, or the
    SQLite file; never the password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"the SQLite database {parsed.database or ':memory:'}"
    host = parsed.host or parsed.query.get("host") or "localhost"
    port = parsed.port or 5432
    user = f", user {parsed.username}" if parsed.username else ""
    return f"PostgreSQL at {host}:{port}, database {parsed.database}{user}"


class Interrupted(Exception):
    """A use case cut short by an outage, raised from it; the message says what was left
    behind and how to complete the work (the CLI prints it after naming the database)."""
