"""Case-insensitive "contains" matching that treats ü, Ø and 张 alike on both databases.

PostgreSQL's ``lower()`` follows the database's Unicode locale; SQLite's built-in one folds
ASCII only, so "MÜLLER" would miss "Müller". On SQLite, ``lower_text`` calls a function the
engine registers on every connection (``session._configure_sqlite``) that lowers as Python
does; everywhere else it is plain ``lower()``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

#: the name of the SQLite function ``lower_text`` compiles to.
SQLITE_FUNCTION = "corp_carbon_lower"


class lower_text(FunctionElement[str]):  # noqa: N801 - reads as the SQL function it is
    """``lower(x)``, Unicode-aware on every database."""

    type = sa.String()
    name = "lower_text"
    inherit_cache = True


@compiles(lower_text)
def _lower_default(element: lower_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lower_text, "sqlite")
def _lower_sqlite(element: lower_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def sqlite_lower(value: object) -> object:
    """The SQLite side of ``lower_text``: NULL stays NULL, text is lowered as Python does."""
    return value.lower() if isinstance(value, str) else value


def contains_text(column: Any, needle: str) -> sa.ColumnElement[bool]:
    """``column`` contains ``needle``, ignoring case; ``%`` and ``_`` in it match themselves."""
    return lower_text(sa.func.coalesce(column, "")).contains(needle.lower(), autoescape=True)
