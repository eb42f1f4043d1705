"""Reading offers and redemptions; HR's looks at other people's redemptions are audited."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import Employee, Redemption, Reward
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.domain.rewards import COUNTED, offer_blocked, used_in_period
from corp_carbon.domain.vocabulary import RedemptionStatus
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.rewards.catalogue import list_rewards
from corp_carbon.services.rewards.views import (
    Offer,
    QueueItem,
    RedemptionView,
    redemption_view,
)

#: redemptions HR still has to act on.
OPEN = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED)


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


def redemption_desk(uow: UnitOfWork, actor: Actor, *, recent: int = 30) -> list[QueueItem]:
    """HR's work list: requested and approved redemptions (oldest first), then the latest
    ``recent`` decided ones. HR sees named people's requests, so the look is on the record."""
    base = (
        sa.select(Redemption, Reward.name, Employee.name, Employee.email, Employee.department)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Employee, Employee.id == Redemption.employee_id)
    )
    with uow:
        session = uow.session
        waiting = session.execute(
            base.where(Redemption.status.in_(OPEN)).order_by(Redemption.id)
        ).all()
        decided = session.execute(
            base.where(Redemption.status.not_in(OPEN)).order_by(Redemption.id.desc()).limit(recent)
        ).all()
        items = [
            QueueItem(redemption_view(r, reward), name, email, department)
            for r, reward, name, email, department in [*waiting, *decided]
        ]
        audit.record(session, actor, "redemptions.view_desk", detail={"shown": len(items)})
        uow.commit()
    return items
