"""Bulk writes without the ORM: primary keys allocated up front, COPY on PostgreSQL.

Per-row ORM inserts manage a few thousand rows a second; COPY writes hundreds of thousands
(see the benchmarks). Ids are allocated before the insert so rows can reference each other
(segments their journey, a replaced activity its successor) without a RETURNING round trip.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Session

from corp_carbon.db.types import ScaledDecimal, UTCDateTime


def table_of(model: type[DeclarativeBase]) -> sa.Table:
    """The Core table behind an ORM model (typed as a Table, which it always is here)."""
    return cast(sa.Table, model.__table__)


def among(session: Session, column: Any, values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column IN values`` for thousands of values: one array parameter on PostgreSQL
    (``= ANY``), which binds and plans far faster than thousands of placeholders."""
    if session.get_bind().dialect.name == "postgresql":
        item = sa.BigInteger() if values and isinstance(values[0], int) else sa.Text()
        return cast(
            sa.ColumnElement[bool],
            column == sa.func.any(sa.literal(list(values), type_=postgresql.ARRAY(item))),
        )
    return cast(sa.ColumnElement[bool], column.in_(list(values)))


def allocate_ids(session: Session, table: sa.Table, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``. On SQLite the caller must already hold the
    database's write lock (it has written in this transaction), so max(id) is stable."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # the sequence looked up once (a sub-select, run before the rows): ``nextval`` of its
        # name resolved the name again for every id, 8 times the database's work
        sequence = sa.select(
            sa.cast(sa.func.pg_get_serial_sequence(table.name, "id"), postgresql.REGCLASS)
        ).scalar_subquery()
        series = sa.func.generate_series(1, count).table_valued("n")
        # one array, not a row per id: fewer Python objects for the thousands of ids
        ids = session.scalar(
            sa.select(sa.func.array_agg(sa.func.nextval(sequence))).select_from(series)
        )
        assert ids is not None  # count > 0: the series has rows
        return list(ids)
    start = session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) or 0
    return list(range(start + 1, start + 1 + count))


def insert_rows(
    session: Session,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str] | None = None,
) -> None:
    """Inserts ``rows`` in the session's transaction: COPY on PostgreSQL, a Core executemany
    elsewhere. ``columns`` names the keys to write (default: all keys of the first row, and
    every row has the same keys); other keys in the rows are ignored, so callers can keep
    bookkeeping in them without copying each row to drop it."""
    if not rows:
        return
    names = list(columns) if columns is not None else list(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        if columns is not None:
            rows = [{n: row[n] for n in names} for row in rows]
        session.execute(sa.insert(table), list(rows))
        return
    dialect = session.get_bind().dialect
    convert = [
        (i, process)
        for i, name in enumerate(names)
        if (process := _copy_processor(table.c[name].type, dialect)) is not None
    ]
    pick = operator.itemgetter(*names)
    single = len(names) == 1
    raw = session.connection().connection.driver_connection
    assert raw is not None
    quoted = ", ".join(f'"{n}"' for n in names)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as cp:
        for row in rows:
            values = [pick(row)] if single else list(pick(row))
            for i, process in convert:
                value = values[i]
                if value is not None:
                    values[i] = process(value)
            cp.write_row(values)


def _copy_processor(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The function turning a Python value into what COPY writes for this column (None:
    written as is). Same results as the type's bind processor, with fast paths for the
    values an import writes by the hundred thousand (the generic processors go through
    several layers of calls per value)."""
    if isinstance(column_type, sa.JSON):
        return _json
    process: Callable[[Any], Any] | None = column_type.bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column_type, ScaledDecimal):
        return _scaled_processor(column_type, process)
    if isinstance(column_type, UTCDateTime) and dialect.name == "postgresql":
        return _utc_processor(process)
    if isinstance(column_type, sa.Enum):
        return _memoised(process)
    return process


def _json(value: Any) -> str:
    """``json.dumps``, with the empty list (a bulk assessment's trail, rebuilt on demand)
    written without a call into the encoder."""
    if type(value) is list and not value:
        return "[]"
    return json.dumps(value)


def _scaled_processor(
    column_type: ScaledDecimal, process: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    """``ScaledDecimal.process_bind_param`` inlined for Decimals (the same quantize, same
    rounding, same context); anything else takes the type's own path (and its checks)."""
    scale = column_type.scale
    quantum = Decimal(1).scaleb(-scale)  # as the type's own quantum
    seen: dict[Decimal, int] = {}

    def scaled(value: Any) -> Any:
        if type(value) is Decimal and value.is_finite():
            # the same coordinates, distances and figures recur all through an import: a
            # lookup by value costs a seventeenth of the quantize (equal values, equal results)
            found = seen.get(value)
            if found is None:
                found = int(value.quantize(quantum, rounding=ROUND_HALF_UP).scaleb(scale))
                if len(seen) >= _SCALED_KEPT:
                    seen.clear()
                seen[value] = found
            return found
        return process(value)

    return scaled


#: values kept per scaled column by one COPY's converter (about 12 MB at most per column).
_SCALED_KEPT = 50_000


def _utc_processor(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """On PostgreSQL ``UTCDateTime`` binds ``value.astimezone(UTC)``, which is ``value``
    itself when it is already in UTC (every timestamp the import writes)."""

    def utc(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC:
            return value
        return process(value)

    return utc


def _memoised(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An enum column's processor is a dict lookup by value (members and their stored
    strings), so its results can be kept by value; a few members cover every row."""
    seen: dict[Any, Any] = {}

    def lookup(value: Any) -> Any:
        found = seen.get(value, _MISSING)
        if found is _MISSING:
            found = seen[value] = process(value)
        return found

    return lookup


_MISSING = object()


def update_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Updates rows by primary key ``id`` (each dict: id plus the changed columns, all dicts
    with the same keys)."""
    if not rows:
        return
    keys = [k for k in rows[0] if k != "id"]
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("_id"))
        .values({k: sa.bindparam(f"_{k}") for k in keys})
    )
    session.execute(statement, [{"_id": r["id"], **{f"_{k}": r[k] for k in keys}} for r in rows])
