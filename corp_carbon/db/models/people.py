"""Employees, their roles, commute profiles and API tokens."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corp_carbon.db.base import Base
from corp_carbon.db.models._columns import created_at, employee_fk, updated_at
from corp_carbon.db.types import ScaledDecimal, UTCDateTime, enum_type
from corp_carbon.domain.erasure import ErasureChannel, ErasureOutcome
from corp_carbon.domain.vocabulary import DistanceSource, Fuel, Mode, Role


def new_public_id() -> str:
    """A random, stable pseudonymous key for exports (never derived from personal data)."""
    return "emp_" + secrets.token_hex(8)


class Employee(Base):
    __tablename__ = "employees"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: pseudonymous key used in exports and reports instead of names or emails.
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    #: the OpenID Connect ``sub`` of the company IdP; set at first login.
    sso_subject: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    employee_number: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: stored lower-case, so matching by email is case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    department: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    cost_centre: Mapped[str | None] = mapped_column(sa.String(64))
    office: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    #: ISO 3166-1 alpha-2 country of the office.
    country: Mapped[str | None] = mapped_column(sa.String(2))
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    active: Mapped[bool] = mapped_column(default=True)
    leaderboard_opt_in: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: personal fields were erased at this time; the row stays so ledger totals still add up.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # SCIM provisioning
    #: the IdP's own id for this person (SCIM ``externalId``), as the IdP sent it.
    scim_external_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    #: name parts as the IdP sends them (SCIM ``name.givenName`` / ``familyName``); ``name``
    #: stays the display name. Personal data: erased with the other personal fields.
    given_name: Mapped[str | None] = mapped_column(sa.String(100))
    family_name: Mapped[str | None] = mapped_column(sa.String(100))
    #: ``name`` was made from the name parts (SCIM sent no displayName of its own).
    name_derived: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: SCIM enterprise ``organization`` (the company or legal entity; not the office).
    organization: Mapped[str | None] = mapped_column(sa.String(120))
    #: the travel-policy grade or band (from an SSO claim, SCIM or the HR file): it decides
    #: which cabin or rail class the traveller was entitled to.
    grade: Mapped[str | None] = mapped_column(sa.String(64))
    #: browser sessions carry the version they were started at; raising it (sign-out,
    #: deactivation) revokes every session of this employee, wherever its cookie is.
    session_version: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    #: deleted through SCIM: personal data is due for erasure at this time; until then the
    #: employee is deactivated and no longer a SCIM resource (404). HR's queue lists it as an
    #: open ``ErasureRequest``; a request HR records does not set this.
    erasure_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    roles: Mapped[list[EmployeeRole]] = relationship(
        back_populates="employee", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_names(self) -> list[str]:
        """Every employee has the employee role; the table holds only the extra ones."""
        held = {r.role for r in self.roles} | {Role.EMPLOYEE}
        return [role.value for role in Role if role in held]


class EmployeeRole(Base):
    __tablename__ = "employee_roles"

    employee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)
    granted_at: Mapped[datetime] = created_at()

    employee: Mapped[Employee] = relationship(back_populates="roles")


class CommuteProfile(Base):
    """How an employee usually commutes, from a survey or their own statement; versioned by date."""

    __tablename__ = "commute_profiles"
    __table_args__ = (
        sa.UniqueConstraint("employee_id", "valid_from"),
        sa.CheckConstraint("office_days_per_week BETWEEN 0 AND 7", name="office_days_range"),
        sa.CheckConstraint("remote_days_per_week BETWEEN 0 AND 7", name="remote_days_range"),
        sa.CheckConstraint("one_way_km >= 0", name="distance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = employee_fk()
    valid_from: Mapped[date]
    usual_mode: Mapped[Mode] = mapped_column(enum_type(Mode, "usual_mode"))
    secondary_mode: Mapped[Mode | None] = mapped_column(enum_type(Mode, "secondary_mode"))
    #: percentage of the one-way distance covered by the usual mode (rest: secondary mode).
    usual_mode_share_pct: Mapped[int] = mapped_column(default=100)
    one_way_km: Mapped[Decimal] = mapped_column(ScaledDecimal(3))
    distance_source: Mapped[DistanceSource] = mapped_column(
        enum_type(DistanceSource, "distance_source"), default=DistanceSource.DECLARED
    )
    office_days_per_week: Mapped[int]
    remote_days_per_week: Mapped[int] = mapped_column(default=0)
    weeks_per_year: Mapped[int] = mapped_column(default=46)
    car_fuel: Mapped[Fuel | None] = mapped_column(enum_type(Fuel, "car_fuel"))
    car_occupants: Mapped[int | None]
    #: the mode the employee declared as their usual one at enrolment (personal baseline).
    baseline_mode: Mapped[Mode | None] = mapped_column(enum_type(Mode, "baseline_mode"))
    source: Mapped[str] = mapped_column(sa.String(32), default="self")
    import_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_runs.id"))
    created_at: Mapped[datetime] = created_at()


class ErasureRequest(Base):
    """A request to erase an employee's personal data, waiting in HR's queue until it is done.

    Recorded by HR (with the reason given) or by a SCIM delete. At most one is open per
    employee; the erasure (or the identity provider creating the person again) closes it.
    """

    __tablename__ = "erasure_requests"
    __table_args__ = (
        sa.Index(
            "uq_erasure_requests_open_employee",
            "employee_id",
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        ),
        sa.CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
        sa.CheckConstraint("(closed_at IS NULL) = (outcome IS NULL)", name="closed_with_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = employee_fk()
    channel: Mapped[ErasureChannel] = mapped_column(enum_type(ErasureChannel, "erasure_channel"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    #: who asked: the HR person, or the owner of the SCIM token; ``requested_by_label`` is the
    #: audit log's name for them at the time (an email, or the token and its owner).
    requested_by_id: Mapped[int | None] = employee_fk(nullable=True)
    requested_by_label: Mapped[str] = mapped_column(sa.String(320))
    requested_at: Mapped[datetime] = created_at()
    #: the erasure is due at this time (``[privacy] erase_after_days`` after the request).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: HR confirmed the request on the queue ("Confirm and erase now"): it is erased at once,
    #: or by the next erasure job should that fail, whatever ``due_at`` says.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = employee_fk(nullable=True)
    confirmed_by_label: Mapped[str | None] = mapped_column(sa.String(320))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[ErasureOutcome | None] = mapped_column(
        enum_type(ErasureOutcome, "erasure_outcome")
    )


class ErasureRedaction(Base):
    """One row of an append-only table (the audit log, ledger transactions) that an erasure
    rewrote to take a person's name, email or numbers out of its text.

    The database lets such a row change only in its free-text columns, and only once this
    record of why exists (triggers, migration f7a8b9c0d1e2); this table is append-only too.
    """

    __tablename__ = "erasure_redactions"
    __table_args__ = (sa.Index("ix_erasure_redactions_row", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("erasure_requests.id"), index=True)
    #: "audit_log" or "ledger_transactions".
    table_name: Mapped[str] = mapped_column(sa.String(64))
    row_id: Mapped[int] = mapped_column(sa.BigInteger)
    redacted_at: Mapped[datetime] = created_at()


class ApiToken(Base):
    """A bearer token for travel systems and scripts; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = employee_fk()
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "token_role"))
    #: space-separated scopes, e.g. "import scim".
    scopes: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
