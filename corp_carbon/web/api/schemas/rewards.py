"""Bodies of the rewards API. The responses are the rewards services' own records, renamed."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from corp_carbon.domain.bounds import MAX_ID, MAX_INT32, MAX_INT64
from corp_carbon.domain.rewards import MAX_NAME, MAX_URL
from corp_carbon.domain.vocabulary import RewardKind
from corp_carbon.services.rewards.views import RedemptionView, RewardView
from corp_carbon.web.api.openapi import BODY_CONFIG


class _In(BaseModel):
    model_config = ConfigDict(**BODY_CONFIG, extra="forbid")


class NewRewardIn(_In):
    """A catalogue item to add (HR)."""

    name: str = Field(max_length=MAX_NAME)
    cost_points: StrictInt = Field(gt=0, le=MAX_INT64, description="Price in points.")
    stock: StrictInt | None = Field(
        default=None, ge=0, le=MAX_INT32, description="null = unlimited."
    )
    per_person_limit: StrictInt | None = Field(
        default=None,
        gt=0,
        le=MAX_INT32,
        description="Redemptions per employee and limit_period; null = none.",
    )
    limit_period: Literal["month", "quarter", "year", "ever"] = "year"
    auto_approve: StrictBool = Field(
        default=False, description="Approve redemptions at once, without HR."
    )
    kind: RewardKind = RewardKind.VOUCHER
    description: str = ""
    project_name: str | None = Field(
        default=None, max_length=MAX_NAME, description="For donations: the climate project funded."
    )
    image_url: str | None = Field(default=None, max_length=MAX_URL)
    active_from: AwareDatetime | None = None
    active_until: AwareDatetime | None = None


class RedemptionRequestIn(_In):
    """Redeem a reward; send a fresh Idempotency-Key header with each new request."""

    reward_id: StrictInt = Field(ge=1, le=MAX_ID)


class RejectionIn(_In):
    reason: str = Field(min_length=1, description="Shown to the employee.")


class FulfilmentIn(_In):
    """The voucher code, or a note on how the reward was handed over (at least one)."""

    voucher_code: str | None = Field(default=None, max_length=MAX_NAME)
    note: str | None = None


class RewardOut(RewardView):
    model_config = BODY_CONFIG


class RewardListOut(BaseModel):
    model_config = BODY_CONFIG

    rewards: list[RewardOut]


class RedemptionOut(RedemptionView):
    model_config = BODY_CONFIG
