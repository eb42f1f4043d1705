"""Bulk writes without the ORM: primary keys allocated up front, COPY on PostgreSQL.

Per-row ORM inserts manage a few thousand rows a second; COPY writes hundreds of thousands
(see the benchmarks). Ids are allocated before the insert so rows can reference each other
(segments their journey, a replaced activity its successor) without a RETURNING round trip.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Session


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
        rows = session.execute(
            sa.text(
                # the name is one of our own tables, never user input
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "  # noqa: S608
                "FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return [int(r[0]) for r in rows]
    start = session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) or 0
    return list(range(start + 1, start + 1 + count))


def insert_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts ``rows`` (all with the same keys) in the session's transaction: COPY on
    PostgreSQL, a Core executemany elsewhere."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(sa.insert(table), list(rows))
        return
    dialect = session.get_bind().dialect
    names = list(rows[0])
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type.bind_processor(dialect) for name in names
    ]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    columns = ", ".join(f'"{n}"' for n in names)
    convert: list[tuple[int, Callable[[Any], Any]]] = []
    for i, (name, process) in enumerate(zip(names, processors, strict=True)):
        if isinstance(table.c[name].type, sa.JSON):
            convert.append((i, json.dumps))
        elif process is not None:
            convert.append((i, process))
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as cp:
        for row in rows:
            values = [row[n] for n in names]
            for i, process in convert:
                value = values[i]
                if value is not None:
                    values[i] = process(value)
            cp.write_row(values)


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
