"""initial schema

Revision ID: ad9c9c57619c
Revises:
Create Date: 2026-11-28 12:16:39.629522+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ad9c9c57619c"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("sso_subject", sa.String(length=255), nullable=True),
        sa.Column("employee_number", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=True),
        sa.Column("cost_centre", sa.String(length=64), nullable=True),
        sa.Column("office", sa.String(length=120), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("leaderboard_opt_in", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_employees_email_lower_case")),
        sa.CheckConstraint("length(trim(name)) > 0", name=op.f("ck_employees_name_not_blank")),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["employees.id"], name=op.f("fk_employees_manager_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("email", name=op.f("uq_employees_email")),
        sa.UniqueConstraint("employee_number", name=op.f("uq_employees_employee_number")),
        sa.UniqueConstraint("public_id", name=op.f("uq_employees_public_id")),
        sa.UniqueConstraint("sso_subject", name=op.f("uq_employees_sso_subject")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employees_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_employees_office"), ["office"], unique=False)

    op.create_table(
        "factor_sets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_sets")),
    )
    op.create_table(
        "import_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("schedule", sa.String(length=100), nullable=True),
        sa.Column(
            "mapping",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_import_sources_name")),
    )
    op.create_table(
        "rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "voucher",
                "perk",
                "donation",
                name="reward_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("project_name", sa.String(length=200), nullable=True),
        sa.Column("cost_points", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("per_person_limit", sa.Integer(), nullable=True),
        sa.Column("limit_period", sa.String(length=16), nullable=False),
        sa.Column("auto_approve", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("active_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("image_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "limit_period IN ('month', 'quarter', 'year', 'ever')",
            name=op.f("ck_rewards_limit_period_known"),
        ),
        sa.CheckConstraint("cost_points > 0", name=op.f("ck_rewards_cost_positive")),
        sa.CheckConstraint(
            "per_person_limit IS NULL OR per_person_limit > 0",
            name=op.f("ck_rewards_limit_positive"),
        ),
        sa.CheckConstraint(
            "stock IS NULL OR stock >= 0", name=op.f("ck_rewards_stock_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "employee",
                "hr",
                "sustainability",
                "admin",
                name="token_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_api_tokens_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["employees.id"],
            name=op.f("fk_audit_log_actor_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "employee_roles",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "employee",
                "hr",
                "sustainability",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_employee_roles_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("employee_id", "role", name=op.f("pk_employee_roles")),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "trigger",
            sa.Enum(
                "cli",
                "upload",
                "api",
                "schedule",
                name="trigger",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_by", sa.String(length=320), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "succeeded",
                "completed_with_errors",
                "failed",
                name="run_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("last_committed_row", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["import_sources.id"],
            name=op.f("fk_import_runs_source_id_import_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_import_runs_source_sha", ["source_id", "file_sha256"], unique=False
        )

    op.create_table(
        "journeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "business_travel",
                "commute",
                name="journey_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("origin", sa.String(length=120), nullable=False),
        sa.Column("destination", sa.String(length=120), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_journeys_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
    )
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journeys_employee_id"), ["employee_id"], unique=False)

    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "employee",
                "issuance",
                "redemption",
                "expiry",
                "adjustment",
                name="account_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'employee') = (employee_id IS NOT NULL)",
            name=op.f("ck_ledger_accounts_employee_account_has_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_ledger_accounts_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_ledger_accounts_code")),
        sa.UniqueConstraint("employee_id", name=op.f("uq_ledger_accounts_employee_id")),
    )
    op.create_table(
        "methodology_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("factor_set", sa.String(length=40), nullable=False),
        sa.Column("radiative_forcing", sa.Boolean(), nullable=False),
        sa.Column("points_rule", sa.String(length=40), nullable=False),
        sa.Column("additionality", sa.String(length=16), nullable=False),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["employees.id"],
            name=op.f("fk_methodology_versions_created_by_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_methodology_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_methodology_versions_version")),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=True),
        sa.Column("leg_index", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "business_travel",
                "commute",
                name="activity_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "mode",
            sa.Enum(
                "air",
                "rail",
                "subway",
                "tram",
                "bus",
                "coach",
                "taxi",
                "car",
                "motorbike",
                "bike",
                "ebike",
                "walk",
                "ferry",
                "hotel",
                name="mode",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "cabin",
            sa.Enum(
                "economy",
                "premium_economy",
                "business",
                "first",
                name="cabin",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "fuel",
            sa.Enum(
                "petrol",
                "diesel",
                "hybrid",
                "phev",
                "bev",
                "unknown",
                name="fuel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "vehicle_size",
            sa.Enum(
                "small",
                "medium",
                "large",
                "average",
                name="vehicle_size",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("origin", sa.String(length=120), nullable=True),
        sa.Column("destination", sa.String(length=120), nullable=True),
        sa.Column("origin_lat", sa.BigInteger(), nullable=True),
        sa.Column("origin_lon", sa.BigInteger(), nullable=True),
        sa.Column("destination_lat", sa.BigInteger(), nullable=True),
        sa.Column("destination_lon", sa.BigInteger(), nullable=True),
        sa.Column("carrier", sa.String(length=64), nullable=True),
        sa.Column("service_number", sa.String(length=32), nullable=True),
        sa.Column("ticket_number", sa.String(length=32), nullable=True),
        sa.Column("record_locator", sa.String(length=32), nullable=True),
        sa.Column("travel_date", sa.Date(), nullable=False),
        sa.Column("distance_km", sa.BigInteger(), nullable=True),
        sa.Column(
            "distance_source",
            sa.Enum(
                "given",
                "computed",
                "estimated",
                "declared",
                name="distance_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("nights", sa.Integer(), nullable=True),
        sa.Column("occupants", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "distance",
                "spend",
                name="method",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("spend_amount", sa.BigInteger(), nullable=True),
        sa.Column("spend_currency", sa.String(length=3), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "confirmed",
                "cancelled",
                "replaced",
                "duplicate",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column(
            "verification",
            sa.Enum(
                "imported",
                "self_reported",
                "evidence_attached",
                "approved",
                name="verification",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("source_record_key", sa.String(length=200), nullable=True),
        sa.Column("source_record_hash", sa.String(length=64), nullable=True),
        sa.Column("match_key", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'duplicate') = (duplicate_of_id IS NOT NULL)",
            name=op.f("ck_activities_duplicate_has_original"),
        ),
        sa.CheckConstraint(
            "(status = 'replaced') = (replaced_by_id IS NOT NULL)",
            name=op.f("ck_activities_replaced_has_successor"),
        ),
        sa.CheckConstraint(
            "verification <> 'imported' OR source_id IS NOT NULL",
            name=op.f("ck_activities_imported_has_source"),
        ),
        sa.CheckConstraint(
            "(source_id IS NULL) = (source_record_key IS NULL)",
            name=op.f("ck_activities_source_key_with_source"),
        ),
        sa.CheckConstraint(
            "distance_km IS NULL OR distance_km >= 0",
            name=op.f("ck_activities_distance_not_negative"),
        ),
        sa.CheckConstraint("occupants >= 1", name=op.f("ck_activities_occupants_positive")),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["activities.id"],
            name=op.f("fk_activities_duplicate_of_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_activities_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_runs.id"],
            name=op.f("fk_activities_import_run_id_import_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"], ["journeys.id"], name=op.f("fk_activities_journey_id_journeys")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["activities.id"],
            name=op.f("fk_activities_replaced_by_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["import_sources.id"],
            name=op.f("fk_activities_source_id_import_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint(
            "source_id", "source_record_key", name=op.f("uq_activities_source_id_source_record_key")
        ),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activities_duplicate_of_id"), ["duplicate_of_id"], unique=False
        )
        batch_op.create_index(
            "ix_activities_employee_date", ["employee_id", "travel_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_activities_journey_id"), ["journey_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_match_key"), ["match_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_activities_replaced_by_id"), ["replaced_by_id"], unique=False
        )

    op.create_table(
        "commute_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column(
            "usual_mode",
            sa.Enum(
                "air",
                "rail",
                "subway",
                "tram",
                "bus",
                "coach",
                "taxi",
                "car",
                "motorbike",
                "bike",
                "ebike",
                "walk",
                "ferry",
                "hotel",
                name="usual_mode",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "secondary_mode",
            sa.Enum(
                "air",
                "rail",
                "subway",
                "tram",
                "bus",
                "coach",
                "taxi",
                "car",
                "motorbike",
                "bike",
                "ebike",
                "walk",
                "ferry",
                "hotel",
                name="secondary_mode",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("usual_mode_share_pct", sa.Integer(), nullable=False),
        sa.Column("one_way_km", sa.BigInteger(), nullable=False),
        sa.Column(
            "distance_source",
            sa.Enum(
                "given",
                "computed",
                "estimated",
                "declared",
                name="distance_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("office_days_per_week", sa.Integer(), nullable=False),
        sa.Column("remote_days_per_week", sa.Integer(), nullable=False),
        sa.Column("weeks_per_year", sa.Integer(), nullable=False),
        sa.Column(
            "car_fuel",
            sa.Enum(
                "petrol",
                "diesel",
                "hybrid",
                "phev",
                "bev",
                "unknown",
                name="car_fuel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("car_occupants", sa.Integer(), nullable=True),
        sa.Column(
            "baseline_mode",
            sa.Enum(
                "air",
                "rail",
                "subway",
                "tram",
                "bus",
                "coach",
                "taxi",
                "car",
                "motorbike",
                "bike",
                "ebike",
                "walk",
                "ferry",
                "hotel",
                name="baseline_mode",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "office_days_per_week BETWEEN 0 AND 7",
            name=op.f("ck_commute_profiles_office_days_range"),
        ),
        sa.CheckConstraint(
            "one_way_km >= 0", name=op.f("ck_commute_profiles_distance_not_negative")
        ),
        sa.CheckConstraint(
            "remote_days_per_week BETWEEN 0 AND 7",
            name=op.f("ck_commute_profiles_remote_days_range"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_commute_profiles_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_runs.id"],
            name=op.f("fk_commute_profiles_import_run_id_import_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commute_profiles")),
        sa.UniqueConstraint(
            "employee_id", "valid_from", name=op.f("uq_commute_profiles_employee_id_valid_from")
        ),
    )
    op.create_table(
        "import_row_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["import_runs.id"], name=op.f("fk_import_row_problems_run_id_import_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_row_problems")),
    )
    with op.batch_alter_table("import_row_problems", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_row_problems_run_id"), ["run_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("methodology_version_id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.String(length=40), nullable=False),
        sa.Column("radiative_forcing", sa.Boolean(), nullable=False),
        sa.Column("comparison", sa.Boolean(), nullable=False),
        sa.Column("factor_id", sa.String(length=120), nullable=False),
        sa.Column("kg_co2e", sa.BigInteger(), nullable=False),
        sa.Column("baseline", sa.String(length=64), nullable=True),
        sa.Column("baseline_kg_co2e", sa.BigInteger(), nullable=True),
        sa.Column("avoided_kg_co2e", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column(
            "explanation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "avoided_kg_co2e >= 0", name=op.f("ck_assessments_avoided_not_negative")
        ),
        sa.CheckConstraint("kg_co2e >= 0", name=op.f("ck_assessments_kg_not_negative")),
        sa.CheckConstraint("points >= 0", name=op.f("ck_assessments_points_not_negative")),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_assessments_activity_id_activities"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["factor_set_id"],
            ["factor_sets.id"],
            name=op.f("fk_assessments_factor_set_id_factor_sets"),
        ),
        sa.ForeignKeyConstraint(
            ["methodology_version_id"],
            ["methodology_versions.id"],
            name=op.f("fk_assessments_methodology_version_id_methodology_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint(
            "activity_id",
            "methodology_version_id",
            "factor_set_id",
            "radiative_forcing",
            name=op.f(
                "uq_assessments_activity_id_methodology_version_id_factor_set_id_radiative_forcing"
            ),
        ),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessments_activity_id"), ["activity_id"], unique=False
        )

    op.create_table(
        "pending_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_record_key", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("employee_number", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_activity_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resolved_activity_id"],
            ["activities.id"],
            name=op.f("fk_pending_records_resolved_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["import_runs.id"], name=op.f("fk_pending_records_run_id_import_runs")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["import_sources.id"],
            name=op.f("fk_pending_records_source_id_import_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_records")),
        sa.UniqueConstraint(
            "source_id",
            "source_record_key",
            name=op.f("uq_pending_records_source_id_source_record_key"),
        ),
    )
    with op.batch_alter_table("pending_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_records_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pending_records_employee_number"), ["employee_number"], unique=False
        )

    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "earn",
                "reversal",
                "redeem",
                "refund",
                "expire",
                "adjust",
                name="transaction_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("memo", sa.String(length=500), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_ledger_transactions_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["employees.id"],
            name=op.f("fk_ledger_transactions_actor_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_ledger_transactions_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_transactions_reverses_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_transactions_idempotency_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_ledger_transactions_reverses_id")),
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            "uq_ledger_transactions_earn_per_activity",
            ["activity_id"],
            unique=True,
            postgresql_where=sa.text("kind = 'earn'"),
            sqlite_where=sa.text("kind = 'earn'"),
        )

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_entries_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_entries_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_entries_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_transaction_id"), ["transaction_id"], unique=False
        )

    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "fulfilled",
                "rejected",
                "cancelled",
                name="redemption_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("request_key", sa.String(length=200), nullable=False),
        sa.Column("cost_points", sa.BigInteger(), nullable=False),
        sa.Column("hold_transaction_id", sa.Integer(), nullable=False),
        sa.Column("refund_transaction_id", sa.Integer(), nullable=True),
        sa.Column("voucher_code", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("cost_points > 0", name=op.f("ck_redemptions_cost_positive")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["employees.id"],
            name=op.f("fk_redemptions_decided_by_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_redemptions_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hold_transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_redemptions_hold_transaction_id_ledger_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["refund_transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_redemptions_refund_transaction_id_ledger_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"], ["rewards.id"], name=op.f("fk_redemptions_reward_id_rewards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
        sa.UniqueConstraint("hold_transaction_id", name=op.f("uq_redemptions_hold_transaction_id")),
        sa.UniqueConstraint(
            "refund_transaction_id", name=op.f("uq_redemptions_refund_transaction_id")
        ),
        sa.UniqueConstraint("request_key", name=op.f("uq_redemptions_request_key")),
    )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_redemptions_employee_id"), ["employee_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redemptions_employee_id"))

    op.drop_table("redemptions")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_transaction_id"))
        batch_op.drop_index("ix_ledger_entries_account_id_id")

    op.drop_table("ledger_entries")
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ledger_transactions_earn_per_activity",
            postgresql_where=sa.text("kind = 'earn'"),
            sqlite_where=sa.text("kind = 'earn'"),
        )
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_activity_id"))

    op.drop_table("ledger_transactions")
    with op.batch_alter_table("pending_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_records_employee_number"))
        batch_op.drop_index(batch_op.f("ix_pending_records_email"))

    op.drop_table("pending_records")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_activity_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("import_row_problems", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_row_problems_run_id"))

    op.drop_table("import_row_problems")
    op.drop_table("commute_profiles")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_replaced_by_id"))
        batch_op.drop_index(batch_op.f("ix_activities_match_key"))
        batch_op.drop_index(batch_op.f("ix_activities_journey_id"))
        batch_op.drop_index("ix_activities_employee_date")
        batch_op.drop_index(batch_op.f("ix_activities_duplicate_of_id"))

    op.drop_table("activities")
    op.drop_table("methodology_versions")
    op.drop_table("ledger_accounts")
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journeys_employee_id"))

    op.drop_table("journeys")
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_import_runs_source_sha")

    op.drop_table("import_runs")
    op.drop_table("employee_roles")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    op.drop_table("api_tokens")
    op.drop_table("rewards")
    op.drop_table("import_sources")
    op.drop_table("factor_sets")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employees_office"))
        batch_op.drop_index(batch_op.f("ix_employees_department"))

    op.drop_table("employees")
