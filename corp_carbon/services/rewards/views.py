"""What the rewards services hand to pages, the API and the CLI.

The two records are pydantic models, so the API answers with them as they are (its response
schemas only rename them) and their field list is written once. They have no docstrings: a
docstring would become the API schema's description.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from corp_carbon.db.models import Redemption, Reward
from corp_carbon.domain.reward_catalogue import CatalogueState
from corp_carbon.domain.vocabulary import RedemptionStatus, RewardKind

_READ_MODEL = ConfigDict(frozen=True, from_attributes=True)


class RewardView(BaseModel):
    model_config = _READ_MODEL

    id: int
    name: str
    description: str
    kind: RewardKind
    project_name: str | None
    cost_points: int
    stock: int | None = Field(description="Left in stock; null = unlimited.")
    per_person_limit: int | None
    limit_period: str
    auto_approve: bool
    active: bool
    active_from: datetime | None
    active_until: datetime | None
    image_url: str | None
    image_file: str | None = Field(
        description="An uploaded picture, served at /rewards/images/{image_file} to signed-in "
        "employees; null when the picture is image_url, or there is none."
    )


class RedemptionView(BaseModel):
    model_config = _READ_MODEL

    id: int
    employee_id: int
    reward_id: int
    reward_name: str
    status: RedemptionStatus
    request_key: str = Field(description="The Idempotency-Key the redemption was requested with.")
    cost_points: int = Field(description="Points held when it was requested.")
    hold_transaction_id: int
    refund_transaction_id: int | None
    voucher_code: str | None
    note: str | None
    decided_by_id: int | None
    requested_at: datetime
    decided_at: datetime | None
    fulfilled_at: datetime | None


@dataclass(frozen=True)
class Requested:
    redemption: RedemptionView
    #: False when the request key had been used before and nothing was written.
    created: bool


@dataclass(frozen=True)
class Offer:
    """A catalogue item as one employee sees it."""

    reward: RewardView
    #: redemptions counting against the per-person limit in the current period.
    used: int
    #: why the employee cannot redeem it now (None: they can).
    blocked: str | None


@dataclass(frozen=True)
class QueueItem:
    """A line of HR's redemption desk."""

    redemption: RedemptionView
    employee_name: str
    employee_email: str
    department: str | None


@dataclass(frozen=True)
class CatalogueItem:
    """A line of the catalogue as HR manages it."""

    reward: RewardView
    state: CatalogueState
    #: redemptions awaiting approval or hand-over.
    open_redemptions: int
    #: redemptions that were not refunded (open or handed over).
    redeemed: int


def reward_view(row: Reward) -> RewardView:
    return RewardView.model_validate(row)


def redemption_view(row: Redemption, reward_name: str) -> RedemptionView:
    """The stored redemption as a view, with the name of its reward."""
    values = {
        name: getattr(row, name) for name in RedemptionView.model_fields if name != "reward_name"
    }
    return RedemptionView.model_validate({**values, "reward_name": reward_name})
