# ruff: noqa: S608  (SQL built from this module's own table and column names, never from input)
"""Stage 2 of the page benchmark's data: the scored templates copied, in SQL, to N employees.

The templates with at least 50 activities are copied, whole, as many times as it takes:
employees, roles, commute profiles, journeys, activities, assessments, ledger accounts,
transactions and entries, and redemptions. Each copy shifts every id by a per-table stride
and gives unique strings a suffix, so every reference stays inside its copy. The copies are
``INSERT ... SELECT`` statements run by the database itself (no row crosses to Python),
batched over a table of copy numbers; PostgreSQL skips its foreign-key triggers while
loading (``session_replication_role = replica``), the rows being consistent by
construction, and makes its plain indexes once at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from corp_carbon.db.models import Activity

#: templates with fewer activities stay single (most employees have 50-300 a year).
CORE_MIN_ACTIVITIES = 50
#: the tables whose plain indexes are made after the copies (append-only, never updated).
BIG_TABLES = ("activities", "assessments", "journeys", "ledger_transactions", "ledger_entries")
#: copies made per INSERT ... SELECT.
COPIES_PER_STATEMENT = 40
DEPARTMENTS = (
    "Engineering", "Platform Engineering", "Data Science", "Security", "IT Services",
    "Product", "Design", "Research", "Quality Assurance", "Customer Support",
    "Sales EMEA", "Sales APAC", "Sales Americas", "Partnerships", "Marketing",
    "Communications", "Finance", "Treasury", "Tax", "Internal Audit",
    "Legal", "Compliance", "Procurement", "Facilities", "Operations",
    "Logistics", "Manufacturing", "Supply Chain", "People", "Recruiting",
    "Learning", "Executive Office", "Strategy", "Sustainability", "Investor Relations",
    "Professional Services", "Consulting", "Training", "Field Service", "Health and Safety",
)  # fmt: skip
OFFICES = ("London", "Berlin", "Shanghai", "Paris", "Singapore")


@dataclass(frozen=True)
class Table:
    """How one table is copied: its id, and the SQL expression of every column that changes."""

    name: str
    #: column -> expression over the template row ``t`` and the copy ``c`` (c.j, c.tag).
    shifted: dict[str, str]
    #: the employee a template row belongs to (an expression over ``t`` and ``joins``).
    owner: str
    #: extra FROM items (joined lookups) the expressions use.
    joins: str = ""
    #: date columns a copy moves back by whole years when the company spans several.
    dated: tuple[str, ...] = ()


def _shift(column: str, table: str) -> str:
    """The column shifted by the copy's multiple of the table's stride (filled in as a
    literal, so the planner sees plain id ranges)."""
    return f"t.{column} + c.j * {{{table}}}"


def _suffix(column: str, width: int) -> str:
    return f"substr(t.{column}, 1, {width}) || c.tag"


TABLES = (
    Table(
        "employees",
        {
            "id": _shift("id", "employees"),
            "public_id": _suffix("public_id", 20),
            "sso_subject": "NULL",
            "scim_external_id": "NULL",
            "employee_number": _suffix("employee_number", 50),
            "email": "c.tag || t.email",
            "department": "p.department",
            "office": "p.office",
            "leaderboard_opt_in": "(t.id + c.j) % 5 = 0",
        },
        "t.id",
        "JOIN bench_posts p ON p.k = (t.id + c.j * {employees}) % 200",
    ),
    Table(
        "employee_roles",
        {"employee_id": _shift("employee_id", "employees")},
        "t.employee_id",
    ),
    Table(
        "commute_profiles",
        {
            "id": _shift("id", "commute_profiles"),
            "employee_id": _shift("employee_id", "employees"),
        },
        "t.employee_id",
        dated=("valid_from",),
    ),
    Table(
        "journeys",
        {"id": _shift("id", "journeys"), "employee_id": _shift("employee_id", "employees")},
        "t.employee_id",
        dated=("start_date", "end_date"),
    ),
    Table(
        "activities",
        {
            "id": _shift("id", "activities"),
            "employee_id": _shift("employee_id", "employees"),
            "journey_id": _shift("journey_id", "journeys"),
            "replaced_by_id": _shift("replaced_by_id", "activities"),
            "duplicate_of_id": _shift("duplicate_of_id", "activities"),
            "source_record_key": _suffix("source_record_key", 180),
            "match_key": _suffix("match_key", 50),
            "department": "p.department",
            "office": "p.office",
        },
        "t.employee_id",
        "JOIN bench_posts p ON p.k = (t.employee_id + c.j * {employees}) % 200",
        dated=("travel_date",),
    ),
    Table(
        "assessments",
        {
            "id": _shift("id", "assessments"),
            "activity_id": _shift("activity_id", "activities"),
            "explanation": "'[]'",
        },
        "a.employee_id",
        "JOIN activities a ON a.id = t.activity_id AND a.id <= {activities}",
    ),
    Table(
        "ledger_accounts",
        {
            "id": _shift("id", "ledger_accounts"),
            "employee_id": _shift("employee_id", "employees"),
            "code": "'employee:' || CAST("
            + _shift("employee_id", "employees")
            + " AS VARCHAR(20))",
        },
        "t.employee_id",
    ),
    Table(
        "ledger_transactions",
        {
            "id": _shift("id", "ledger_transactions"),
            "idempotency_key": _suffix("idempotency_key", 180),
            "activity_id": _shift("activity_id", "activities"),
            "assessment_id": _shift("assessment_id", "assessments"),
            "reverses_id": _shift("reverses_id", "ledger_transactions"),
        },
        "o.employee_id",
        "JOIN bench_tx_owner o ON o.transaction_id = t.id",
    ),
    Table(
        "ledger_entries",
        {
            "id": _shift("id", "ledger_entries"),
            "transaction_id": _shift("transaction_id", "ledger_transactions"),
            "account_id": "CASE WHEN t.account_id IN ({system_accounts}) THEN t.account_id ELSE "
            + _shift("account_id", "ledger_accounts")
            + " END",
        },
        "o.employee_id",
        "JOIN bench_tx_owner o ON o.transaction_id = t.transaction_id",
    ),
    Table(
        "redemptions",
        {
            "id": _shift("id", "redemptions"),
            "employee_id": _shift("employee_id", "employees"),
            "request_key": _suffix("request_key", 180),
            "hold_transaction_id": _shift("hold_transaction_id", "ledger_transactions"),
            "refund_transaction_id": _shift("refund_transaction_id", "ledger_transactions"),
        },
        "t.employee_id",
    ),
)


def _columns(conn: sa.Connection, table: str) -> list[str]:
    return [c["name"] for c in sa.inspect(conn).get_columns(table)]


def replicate(
    engine: sa.Engine,
    templates: int,
    employees: int,
    say: Callable[[str], None],
    *,
    years: int = 1,
) -> None:
    """Copies the templates until there are ``employees``; with ``years`` > 1, copy j's
    dates move back ``j % years`` years (of 364 days: the same weekday), so the company's
    history spans that many years while each employee keeps one."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.execute(sa.text("SET session_replication_role = replica"))
        indexes = _drop_indexes(conn) if postgres else []
        _helpers(conn)
        # the planner sees small templates, not empty tables
        conn.execute(sa.text(analyze_own_tables(conn, "ANALYZE")))
        core = int(conn.scalar(sa.text("SELECT count(*) FROM bench_core")) or 0)
        wanted = employees - templates
        copies = -(-wanted // core)  # the last copy takes only the first templates it needs
        rows = conn.execute(sa.text("SELECT name, stride FROM bench_strides")).all()
        strides: dict[str, Any] = {row[0]: row[1] for row in rows}
        system = conn.scalars(sa.text("SELECT id FROM ledger_accounts WHERE employee_id IS NULL"))
        strides["system_accounts"] = ", ".join(str(i) for i in system) or "NULL"
        statements = {
            t.name: _copy_statement(conn, t, years, postgres).format(**strides) for t in TABLES
        }
        clock = time.perf_counter()
        for first in range(1, copies + 1, COPIES_PER_STATEMENT):
            last = min(copies, first + COPIES_PER_STATEMENT - 1)
            conn.execute(sa.text("DELETE FROM bench_copies"))
            conn.execute(
                sa.text("INSERT INTO bench_copies (j, tag, upto) VALUES (:j, :tag, :upto)"),
                [
                    {"j": j, "tag": f"#{j}", "upto": min(core, wanted - (j - 1) * core)}
                    for j in range(first, last + 1)
                ],
            )
            for table in TABLES:
                conn.execute(sa.text(statements[table.name]))
            done = min(wanted, last * core)
            rate = done / (time.perf_counter() - clock)
            say(f"  replicas: {templates + done:,} employees ({rate:,.0f}/s)")
        for name in (
            "bench_copies",
            "bench_core",
            "bench_posts",
            "bench_strides",
            "bench_tx_owner",
        ):
            conn.execute(sa.text(f"DROP TABLE {name}"))
        clock = time.perf_counter()
        if postgres:
            conn.execute(sa.text("SET maintenance_work_mem = '512MB'"))
        for definition in indexes:
            conn.execute(sa.text(definition))
        if indexes:
            say(f"  {len(indexes)} indexes made again ({time.perf_counter() - clock:.0f} s)")


def _drop_indexes(conn: sa.Connection) -> list[str]:
    """Drops the plain (not constraint) indexes of the big tables; returns their definitions,
    to make them again once the rows are in: one sort per index instead of millions of
    scattered inserts. Unique and primary keys stay, checking every row.

    Only tables that nothing updated since their rows went in: an index made over a table
    holding recently updated (HOT) rows is flagged ``indcheckxmin``, and the planner cannot
    use it while any transaction older than it runs anywhere on the server (a seen case:
    another build's long COPY, and every count became a sequential scan)."""
    rows = conn.execute(
        sa.text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = (quote_ident(i.indexname))::regclass)"
        ),
        {"tables": list(BIG_TABLES)},
    ).all()
    for name, _ in rows:
        conn.execute(sa.text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in rows]


def _helpers(conn: sa.Connection) -> None:
    """Lookup tables the copy statements read: strides, copies, core templates, posts."""
    conn.execute(
        sa.text("CREATE TABLE bench_strides (name VARCHAR(40) PRIMARY KEY, stride BIGINT)")
    )
    for table in TABLES:
        if table.name == "employee_roles":
            continue  # keyed by employee: shifted by the employees' stride
        conn.execute(
            sa.text(
                "INSERT INTO bench_strides (name, stride) SELECT :name, "
                f"COALESCE(MAX(id), 0) FROM {table.name}"
            ),
            {"name": table.name},
        )
    conn.execute(
        sa.text("CREATE TABLE bench_copies (j INTEGER PRIMARY KEY, tag VARCHAR(12), upto INTEGER)")
    )
    conn.execute(sa.text("CREATE TABLE bench_core (employee_id INTEGER PRIMARY KEY, rank INTEGER)"))
    busy = (
        sa.select(Activity.employee_id)
        .group_by(Activity.employee_id)
        .having(sa.func.count() >= CORE_MIN_ACTIVITIES)
    )
    # a small demo company may have nobody that busy: then everyone is copied
    minimum = CORE_MIN_ACTIVITIES if conn.execute(busy.limit(1)).first() else 0
    core = conn.execute(
        sa.select(Activity.employee_id)
        .group_by(Activity.employee_id)
        .having(sa.func.count() >= minimum)
        .order_by(Activity.employee_id)
    ).scalars()
    conn.execute(
        sa.text("INSERT INTO bench_core (employee_id, rank) VALUES (:e, :r)"),
        [{"e": e, "r": n} for n, e in enumerate(core, start=1)],
    )
    conn.execute(
        sa.text(
            "CREATE TABLE bench_posts (k INTEGER PRIMARY KEY, department VARCHAR(120), "
            "office VARCHAR(120))"
        )
    )
    conn.execute(
        sa.text("INSERT INTO bench_posts (k, department, office) VALUES (:k, :d, :o)"),
        [
            {"k": k, "d": DEPARTMENTS[k % len(DEPARTMENTS)], "o": OFFICES[(k // 40) % 5]}
            for k in range(200)
        ],
    )
    conn.execute(
        sa.text(
            "CREATE TABLE bench_tx_owner (transaction_id INTEGER PRIMARY KEY, employee_id INTEGER)"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO bench_tx_owner (transaction_id, employee_id) SELECT e.transaction_id, "
            "MIN(a.employee_id) FROM ledger_entries e JOIN ledger_accounts a ON a.id = "
            "e.account_id WHERE a.employee_id IS NOT NULL GROUP BY e.transaction_id"
        )
    )


def _copy_statement(conn: sa.Connection, table: Table, years: int, postgres: bool) -> str:
    columns = _columns(conn, table.name)
    values = [table.shifted.get(c, f"t.{c}") for c in columns]
    if years > 1:
        values = [
            _years_back(c, years, postgres) if c in table.dated else v
            for c, v in zip(columns, values, strict=True)
        ]
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM {table.name} t CROSS JOIN bench_copies c {table.joins} "
        f"JOIN bench_core k ON k.employee_id = {table.owner} AND k.rank <= c.upto "
        f"WHERE {_template_row(table)}"
    )


def _years_back(column: str, years: int, postgres: bool) -> str:
    days = f"(c.j % {years}) * 364"
    if postgres:
        return f"t.{column} - {days}"
    return f"date(t.{column}, '-' || ({days}) || ' days')"


def _template_row(table: Table) -> str:
    """Only rows of the templates are copied (the copies made so far are not copied again)."""
    key = "employee_id" if table.name == "employee_roles" else "id"
    return f"t.{key} <= {{{_stride_of(table)}}}"


def _stride_of(table: Table) -> str:
    return "employees" if table.name == "employee_roles" else table.name


def analyze_own_tables(conn: sa.Connection, command: str) -> str:
    """``command`` naming this database's own tables. A bare ANALYZE also takes the shared
    catalogues (``pg_authid``), so it waits for any other database's long transaction that
    analysed them: another benchmark's build on the same server."""
    if conn.dialect.name != "postgresql":
        return command
    names = conn.scalars(
        sa.text("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()")
    ).all()
    return f"{command} {', '.join(names)}" if names else command


def finish(engine: sa.Engine) -> None:
    """Sequences past the copied ids, and fresh planner statistics."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
        return
    with engine.begin() as conn:
        for table in TABLES:
            if table.name == "employee_roles":
                continue
            conn.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT MAX(id) FROM {table.name}))"
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(analyze_own_tables(conn, "VACUUM ANALYZE")))
        waiting = conn.scalars(
            sa.text("SELECT indexrelid::regclass::text FROM pg_index WHERE indcheckxmin")
        ).all()
    if waiting:
        print(f"  warning: indexes not yet usable by older transactions: {', '.join(waiting)}")
