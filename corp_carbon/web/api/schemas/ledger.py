"""Bodies of the points API: the caller's statement, and HR's manual adjustments."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from corp_carbon.domain.bounds import MAX_INT32


class StatementEntry(BaseModel):
    date: datetime = Field(description="When the ledger recorded the entry (UTC).")
    kind: str
    reason: str
    memo: str
    amount: int
    running_balance: int
    transaction_id: int
    reverses_transaction_id: int | None
    activity_id: int | None
    activity_url: str | None
    trip: str | None
    redemption_id: int | None
    redemption_url: str | None
    reward: str | None
    words: str = Field(
        description="What the entry is, in the reader's language (Accept-Language): "
        "'Trip: Rail London → Paris', 'Redeemed: Rail voucher', 'Refund: rejected by HR'."
    )
    detail: str | None = Field(
        description="More about it in the same language (HR's reason for a rejection), or null."
    )
    dated: dt.date = Field(
        description="The day the entry belongs to: its trip's day, or the day its redemption "
        "was requested; else the posting day."
    )
    posted_on: dt.date = Field(description="The day the ledger recorded the entry (UTC).")


class Statement(BaseModel):
    balance: int
    entries: list[StatementEntry]
    next: str | None


class AdjustmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee: str = Field(min_length=1, max_length=320, description="email or employee number")
    points: int = Field(
        ge=-MAX_INT32,
        le=MAX_INT32,
        description="positive credits, negative debits; never 0",
        json_schema_extra={"not": {"const": 0}},
    )
    reason: str = Field(min_length=1, description="why; kept with the transaction and audited")


class AdjustmentResult(BaseModel):
    transaction_id: int
    employee: str
    points: int
    created: bool


class AdjustmentWaiting(BaseModel):
    """A large adjustment recorded for a second person to approve; nothing is posted yet."""

    id: int
    employee: str = Field(description="The email of the employee it credits or debits.")
    points: int
    reason: str
    status: Literal["awaiting", "approved", "rejected"]
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    transaction_id: int | None = Field(description="The posted transaction, once approved.")
    url: str


class AdjustmentDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(
        default="", max_length=500, description="why (required to reject); kept and audited"
    )


class AdjustmentWaitingList(BaseModel):
    requests: list[AdjustmentWaiting]
