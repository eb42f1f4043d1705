"""Reading offers and redemptions; HR's looks at other people's redemptions are audited."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import Redemption, Reward
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.domain.reward_catalogue import catalogue_state
from corp_carbon.domain.rewards import COUNTED, OPEN, offer_blocked, used_in_period
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.rewards.catalogue import list_rewards
from corp_carbon.services.rewards.views import (
    CatalogueItem,
    Offer,
    RedemptionView,
    RewardView,
    redemption_view,
    reward_view,
)


def offers_for(
    session: Session, employee_id: int, *, balance: int, now: datetime | None = None
) -> list[Offer]:
    """The active catalogue for one employee, each with why they cannot redeem it (if so)."""
    when = now or utcnow()
    taken = session.execute(
        sa.select(Redemption.reward_id, Redemption.requested_at).where(
            Redemption.employee_id == employee_id, Redemption.status.in_(COUNTED)
        )
    ).all()
    offers = []
    for reward in list_rewards(session, active_only=True, now=when):
        used = used_in_period(
            (at for rid, at in taken if rid == reward.id), reward.limit_period, when
        )
        blocked = offer_blocked(
            stock=reward.stock,
            per_person_limit=reward.per_person_limit,
            limit_period=reward.limit_period,
            cost_points=reward.cost_points,
            used=used,
            balance=balance,
        )
        offers.append(Offer(reward, used, blocked))
    return offers


def catalogue_for_hr(session: Session, *, now: datetime | None = None) -> list[CatalogueItem]:
    """Every reward, offered or not, with where it stands and how many of its redemptions are
    open (still to approve or hand over) and counted (open or handed over)."""
    when = now or utcnow()
    open_by_reward: dict[int, int] = {}
    counted_by_reward: dict[int, int] = {}
    for reward_id, status, count in session.execute(
        sa.select(Redemption.reward_id, Redemption.status, sa.func.count(Redemption.id))
        .where(Redemption.status.in_(COUNTED))
        .group_by(Redemption.reward_id, Redemption.status)
    ):
        counted_by_reward[reward_id] = counted_by_reward.get(reward_id, 0) + int(count)
        if status in OPEN:
            open_by_reward[reward_id] = open_by_reward.get(reward_id, 0) + int(count)
    rewards = session.scalars(sa.select(Reward).order_by(Reward.name, Reward.id))
    return [
        CatalogueItem(
            reward=reward_view(reward),
            state=catalogue_state(
                active=reward.active,
                active_from=reward.active_from,
                active_until=reward.active_until,
                now=when,
            ),
            open_redemptions=open_by_reward.get(reward.id, 0),
            redeemed=counted_by_reward.get(reward.id, 0),
        )
        for reward in rewards
    ]


def open_redemptions_of(session: Session, reward_id: int) -> int:
    """How many of the reward's redemptions await approval or hand-over."""
    return int(
        session.scalar(
            sa.select(sa.func.count(Redemption.id)).where(
                Redemption.reward_id == reward_id, Redemption.status.in_(OPEN)
            )
        )
        or 0
    )


def get_reward(session: Session, reward_id: int) -> RewardView:
    """One reward, offered or not; 404 when there is none."""
    reward = session.get(Reward, reward_id)
    if reward is None:
        raise NotFound(f"reward {reward_id} does not exist")
    return reward_view(reward)


def get_redemption(
    session: Session, redemption_id: int, *, viewer_id: int, see_all: bool = False
) -> RedemptionView:
    """One redemption; someone else's is 404 unless ``see_all`` (HR)."""
    row = session.execute(
        sa.select(Redemption, Reward.name)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.id == redemption_id)
    ).first()
    if row is None or (not see_all and row[0].employee_id != viewer_id):
        raise NotFound(f"redemption {redemption_id} does not exist")
    return redemption_view(row[0], row[1])


def look_at_redemption(
    uow: UnitOfWork, actor: Actor, redemption_id: int, *, viewer_id: int, see_all: bool
) -> RedemptionView:
    """One redemption; HR looking at someone else's is put on the record."""
    with uow:
        found = get_redemption(uow.session, redemption_id, viewer_id=viewer_id, see_all=see_all)
        if found.employee_id != viewer_id:
            audit.record(
                uow.session,
                actor,
                "redemption.view",
                target_type="redemption",
                target_id=redemption_id,
                detail={"employee_id": found.employee_id},
            )
            uow.commit()
    return found


def redemptions_for(session: Session, employee_id: int) -> list[RedemptionView]:
    """The employee's redemptions, newest first."""
    rows = session.execute(
        sa.select(Redemption, Reward.name)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.employee_id == employee_id)
        .order_by(Redemption.id.desc())
    ).all()
    return [redemption_view(redemption, name) for redemption, name in rows]
