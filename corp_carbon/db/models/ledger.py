"""Double-entry, append-only points ledger; rewards and redemptions.

Entries are never updated or deleted (database triggers enforce it, see the migrations);
a correction is a reversing transaction that references the original.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corp_carbon.db.base import Base
from corp_carbon.db.models._columns import created_at, employee_fk, updated_at
from corp_carbon.db.types import UTCDateTime, enum_type
from corp_carbon.domain.vocabulary import (
    AccountKind,
    AdjustmentStatus,
    RedemptionStatus,
    RewardKind,
    TransactionKind,
)


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'employee') = (employee_id IS NOT NULL)", name="employee_account_has_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "employee:<id>" or "system:<kind>"; one account per code.
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[AccountKind] = mapped_column(enum_type(AccountKind, "account_kind"))
    employee_id: Mapped[int | None] = employee_fk(nullable=True, unique=True)
    created_at: Mapped[datetime] = created_at()


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        # An activity earns at most once, whatever the code above tries.
        sa.Index(
            "uq_ledger_transactions_earn_per_activity",
            "activity_id",
            unique=True,
            postgresql_where=sa.text("kind = 'earn'"),
            sqlite_where=sa.text("kind = 'earn'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TransactionKind] = mapped_column(enum_type(TransactionKind, "transaction_kind"))
    #: posting the same key twice returns the first result and writes nothing.
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: SHA-256 of the request behind the key, to refuse a key reused for another request.
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    #: why: e.g. "activity_assessed", "ticket_exchanged", "hr_goodwill", "fifo_expiry".
    reason_code: Mapped[str] = mapped_column(sa.String(40))
    memo: Mapped[str] = mapped_column(sa.String(500), default="")
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessments.id"))
    #: an earning cut by a points cap: the cap that applied ("per_month:commute_active") ...
    cap: Mapped[str | None] = mapped_column(sa.String(60))
    #: ... and the points the activity would have earned without it.
    uncapped_points: Mapped[int | None]
    #: the transaction this one reverses; a transaction is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_transactions.id"), unique=True
    )
    actor_id: Mapped[int | None] = employee_fk(nullable=True)
    created_at: Mapped[datetime] = created_at()

    entries: Mapped[list[LedgerEntry]] = relationship(back_populates="transaction")


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.Index("ix_ledger_entries_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"))
    #: whole points; positive credits the account, negative debits it.
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = created_at()

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")


class Reward(Base):
    __tablename__ = "rewards"
    __table_args__ = (
        sa.CheckConstraint("cost_points > 0", name="cost_positive"),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint(
            "per_person_limit IS NULL OR per_person_limit > 0", name="limit_positive"
        ),
        sa.CheckConstraint(
            "limit_period IN ('month', 'quarter', 'year', 'ever')", name="limit_period_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[RewardKind] = mapped_column(enum_type(RewardKind, "reward_kind"))
    #: for donations: the named climate project the points fund.
    project_name: Mapped[str | None] = mapped_column(sa.String(200))
    cost_points: Mapped[int] = mapped_column(sa.BigInteger)
    #: None = unlimited.
    stock: Mapped[int | None]
    per_person_limit: Mapped[int | None]
    limit_period: Mapped[str] = mapped_column(sa.String(16), default="year")
    auto_approve: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    active_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    image_url: Mapped[str | None] = mapped_column(sa.String(500))
    #: an uploaded picture: its file name in the reward-images folder (instead of image_url).
    image_file: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Redemption(Base):
    __tablename__ = "redemptions"
    __table_args__ = (sa.CheckConstraint("cost_points > 0", name="cost_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = employee_fk(index=True)
    reward_id: Mapped[int] = mapped_column(sa.ForeignKey("rewards.id"))
    status: Mapped[RedemptionStatus] = mapped_column(
        enum_type(RedemptionStatus, "redemption_status")
    )
    #: the client's Idempotency-Key: one redemption per key.
    request_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: price at request time, so later catalogue changes cannot alter a pending redemption.
    cost_points: Mapped[int] = mapped_column(sa.BigInteger)
    hold_transaction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ledger_transactions.id"), unique=True
    )
    refund_transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_transactions.id"), unique=True
    )
    voucher_code: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = employee_fk(nullable=True)
    requested_at: Mapped[datetime] = created_at()
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AdjustmentRequest(Base):
    """An adjustment above ``[ledger] second_person_above`` points, waiting for a second HR
    administrator (neither the one who asked nor the employee it credits) to approve it;
    approving posts it, rejecting posts nothing. The request stays as the record of both."""

    __tablename__ = "adjustment_requests"
    __table_args__ = (
        sa.CheckConstraint("points <> 0", name="points_not_zero"),
        sa.CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
        sa.CheckConstraint(
            "(status = 'awaiting') = (decided_at IS NULL)", name="decided_unless_awaiting"
        ),
        sa.CheckConstraint(
            "(status = 'approved') = (transaction_id IS NOT NULL)", name="posted_when_approved"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = employee_fk(index=True)
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(500))
    #: the caller's idempotency key: asking again with it returns this request.
    request_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[AdjustmentStatus] = mapped_column(
        enum_type(AdjustmentStatus, "adjustment_status"), default=AdjustmentStatus.AWAITING
    )
    requested_by_id: Mapped[int | None] = employee_fk(nullable=True)
    requested_by_label: Mapped[str] = mapped_column(sa.String(320))
    requested_at: Mapped[datetime] = created_at()
    decided_by_id: Mapped[int | None] = employee_fk(nullable=True)
    decided_by_label: Mapped[str | None] = mapped_column(sa.String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")
    transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_transactions.id"), unique=True
    )
