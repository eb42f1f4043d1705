"""Erasure and retention: confirmed requests, redactions of append-only rows, raw data deleted

- ``erasure_requests``: HR's confirmation ("Confirm and erase now": who and when) and a channel
  for operators erasing from the command line (``operator``).
- ``erasure_redactions``: one row per audit-log entry or ledger transaction an erasure
  rewrote to take a person's name, email or numbers out of its text. Append-only.
- The append-only triggers of ``audit_log`` and ``ledger_transactions`` still refuse every
  DELETE, and every UPDATE but one: a row with a redaction recorded for it may change its
  free-text columns (audit: actor_label, ip, detail; ledger: memo, idempotency_key), nothing
  else. Amounts, kinds, times, actors and targets stay as they were written.
- ``import_runs.raw_deleted_at``: when ``[privacy] keep_raw_days`` deleted the run's raw data.

Revision ID: f7a8b9c0d1e2
Revises: e6f7a8b9c0d1
Create Date: 2026-12-03 07:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from corp_carbon.db.types import UTCDateTime

revision: str = "f7a8b9c0d1e2"
down_revision: str | None = "e6f7a8b9c0d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL_CHECK = "ck_erasure_requests_erasure_channel"
#: table -> (columns an erasure may rewrite, columns that must stay as they are)
REDACTABLE = {
    "audit_log": (
        ("actor_label", "ip", "detail"),
        ("id", "at", "actor_id", "action", "target_type", "target_id"),
    ),
    "ledger_transactions": (
        ("memo", "idempotency_key"),
        (
            "id", "kind", "request_hash", "reason_code", "activity_id", "assessment_id", "cap",
            "uncapped_points", "reverses_id", "actor_id", "created_at",
        ),
    ),
}  # fmt: skip

PG_REDACT_ONLY = """
CREATE FUNCTION corp_carbon_redact_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM erasure_redactions r WHERE r.table_name = TG_TABLE_NAME AND r.row_id = OLD.id
    ) AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'corp-carbon: % on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def _refuse(table: str, verb: str, when: str = "") -> str:
    """An SQLite trigger refusing ``verb`` on ``table`` (unless ``when`` says otherwise)."""
    return (
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} {when}BEGIN "
        f"SELECT RAISE(ABORT, 'corp-carbon: {verb} on {table} is not allowed: "
        "the table is append-only'); END"
    )


def _sqlite_redaction_guard(table: str) -> str:
    _, kept = REDACTABLE[table]
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in kept)
    recorded = (
        f"EXISTS (SELECT 1 FROM erasure_redactions r WHERE r.table_name = '{table}' "  # noqa: S608
        "AND r.row_id = OLD.id)"
    )
    return _refuse(table, "UPDATE", f"WHEN NOT ({same} AND {recorded}) ")


def _channels(*values: str) -> str:
    return f"channel IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("erasure_requests") as batch:
        batch.add_column(sa.Column("confirmed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("confirmed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("confirmed_by_label", sa.String(length=320), nullable=True))
        batch.create_foreign_key(
            op.f("fk_erasure_requests_confirmed_by_id_employees"),
            "employees",
            ["confirmed_by_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch.drop_constraint(op.f(CHANNEL_CHECK), type_="check")
        batch.create_check_constraint(
            op.f(CHANNEL_CHECK), _channels("hr", "scim", "employee", "operator")
        )
    op.add_column("import_runs", sa.Column("raw_deleted_at", UTCDateTime(), nullable=True))
    op.create_table(
        "erasure_redactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=False),
        sa.Column("redacted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["erasure_requests.id"],
            name=op.f("fk_erasure_redactions_request_id_erasure_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_redactions")),
    )
    op.create_index(op.f("ix_erasure_redactions_request_id"), "erasure_redactions", ["request_id"])
    op.create_index("ix_erasure_redactions_row", "erasure_redactions", ["table_name", "row_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_REDACT_ONLY)
        op.execute(
            "CREATE TRIGGER erasure_redactions_append_only BEFORE UPDATE OR DELETE ON "
            "erasure_redactions FOR EACH ROW EXECUTE FUNCTION corp_carbon_reject_change()"
        )
        for table, (redactable, _) in REDACTABLE.items():
            columns = ", ".join(f"'{c}'" for c in redactable)
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION corp_carbon_reject_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_redact_only BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION corp_carbon_redact_only({columns})"
            )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(_refuse("erasure_redactions", verb))
    for table in REDACTABLE:
        op.execute(f"DROP TRIGGER {table}_no_update")
        op.execute(_sqlite_redaction_guard(table))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in REDACTABLE:
            op.execute(f"DROP TRIGGER {table}_redact_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION corp_carbon_reject_change()"
            )
        op.execute("DROP TRIGGER erasure_redactions_append_only ON erasure_redactions")
        op.execute("DROP FUNCTION corp_carbon_redact_only()")
    else:
        for table in REDACTABLE:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(_refuse(table, "UPDATE"))
    op.drop_index("ix_erasure_redactions_row", table_name="erasure_redactions")
    op.drop_index(op.f("ix_erasure_redactions_request_id"), table_name="erasure_redactions")
    op.drop_table("erasure_redactions")
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("raw_deleted_at")
    op.execute("DELETE FROM erasure_requests WHERE channel = 'operator'")
    with op.batch_alter_table("erasure_requests") as batch:
        batch.drop_constraint(op.f(CHANNEL_CHECK), type_="check")
        batch.create_check_constraint(op.f(CHANNEL_CHECK), _channels("hr", "scim", "employee"))
        batch.drop_constraint(
            op.f("fk_erasure_requests_confirmed_by_id_employees"), type_="foreignkey"
        )
        batch.drop_column("confirmed_by_label")
        batch.drop_column("confirmed_by_id")
        batch.drop_column("confirmed_at")
