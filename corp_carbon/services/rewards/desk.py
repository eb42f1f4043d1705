"""HR's redemption desk: redemptions filtered by status, reward and department, a page at a
time, with how many there are of each status.

Open redemptions (awaiting approval, or approved and waiting to be handed over) come first,
oldest first: that is HR's work. Decided ones follow, newest first. The order is one SQL
ordering, so the pages partition the list exactly, whatever the filter. HR sees named
people's requests, so each look is put on the audit log with the redemptions it showed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from corp_carbon.db.models import Employee, Redemption, Reward
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.bounds import MAX_ID
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import Actor
from corp_carbon.domain.rewards import OPEN, unknown
from corp_carbon.domain.vocabulary import RedemptionStatus
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.rewards.views import QueueItem, redemption_view

#: the query parameters of the desk.
FILTER_PARAMS = ("status", "reward", "department")


@dataclass(frozen=True)
class DeskFilter:
    status: RedemptionStatus | None = None
    reward_id: int | None = None
    department: str | None = None

    def as_params(self) -> dict[str, str]:
        """The filter as the desk's query parameters (for links that keep it)."""
        values = {
            "status": self.status.value if self.status else "",
            "reward": str(self.reward_id) if self.reward_id is not None else "",
            "department": self.department or "",
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class RewardChoice:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class DeskPage:
    items: list[QueueItem]
    #: redemptions matching the whole filter, on every page.
    total: int
    page: int
    pages: int
    per_page: int
    #: per status, the redemptions matching the reward and department filter.
    counts: dict[RedemptionStatus, int]
    #: what the reward and department filters offer.
    rewards: list[RewardChoice] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)

    @property
    def first(self) -> int:
        """The position of the page's first item in the whole list (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The position of the page's last item in the whole list (0 when empty)."""
        return (self.page - 1) * self.per_page + len(self.items)


def desk_filter(args: Mapping[str, str]) -> DeskFilter:
    """The desk's filter from its query parameters; 400 naming a parameter that is wrong."""
    status_raw = (args.get("status") or "").strip()
    reward_raw = (args.get("reward") or "").strip()
    department = (args.get("department") or "").strip()
    status = None
    if status_raw:
        try:
            status = RedemptionStatus(status_raw)
        except ValueError:
            raise DomainError(f"status: {unknown(status_raw, RedemptionStatus)}") from None
    reward_id = None
    if reward_raw:
        if not reward_raw.isascii() or not reward_raw.isdigit() or int(reward_raw) < 1:
            raise DomainError(f"reward {reward_raw!r}: not a reward of the catalogue")
        reward_id = min(int(reward_raw), MAX_ID + 1)  # beyond any id: matches nothing
    return DeskFilter(status, reward_id, department or None)


def look_at_desk(
    uow: UnitOfWork, actor: Actor, wanted: DeskFilter, *, page: int, per_page: int
) -> DeskPage:
    """One page of the desk (a page past the end shows the last one); audit-logged."""
    is_open = Redemption.status.in_(OPEN)
    with uow:
        session = uow.session
        counts = dict.fromkeys(RedemptionStatus, 0)
        for status, count in session.execute(
            sa.select(Redemption.status, sa.func.count(Redemption.id))
            .join(Employee, Employee.id == Redemption.employee_id)
            .where(*_scope(wanted))
            .group_by(Redemption.status)
        ):
            counts[RedemptionStatus(status)] = int(count)
        total = sum(counts.values()) if wanted.status is None else counts[wanted.status]
        pages = max(1, -(-total // per_page))
        page = max(1, min(page, pages))
        status_only = [Redemption.status == wanted.status] if wanted.status else []
        rows = session.execute(
            sa.select(Redemption, Reward.name, Employee.name, Employee.email, Employee.department)
            .join(Reward, Reward.id == Redemption.reward_id)
            .join(Employee, Employee.id == Redemption.employee_id)
            .where(*_scope(wanted), *status_only)
            .order_by(
                sa.case((is_open, 0), else_=1),
                sa.case((is_open, Redemption.id), else_=-Redemption.id),
            )
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        items = [
            QueueItem(redemption_view(r, reward), name, email, department)
            for r, reward, name, email, department in rows
        ]
        rewards = [
            RewardChoice(id_, name, active)
            for id_, name, active in session.execute(
                sa.select(Reward.id, Reward.name, Reward.active).order_by(Reward.name, Reward.id)
            )
        ]
        departments = list(
            session.scalars(
                sa.select(Employee.department)
                .where(
                    Employee.department.is_not(None),
                    Employee.id.in_(sa.select(Redemption.employee_id)),
                )
                .distinct()
                .order_by(Employee.department)
            )
        )
        audit.record(
            session,
            actor,
            "redemptions.view_desk",
            detail={
                "filter": wanted.as_params(),
                "page": page,
                "shown": len(items),
                "redemptions": [item.redemption.id for item in items],
            },
        )
        uow.commit()
    return DeskPage(
        items, total, page, pages, per_page, counts, rewards, [d for d in departments if d]
    )


def _scope(wanted: DeskFilter) -> list[sa.ColumnElement[bool]]:
    """The reward and department parts of the filter (the status part is applied apart, so
    the counts per status can be shown beside it)."""
    scope: list[sa.ColumnElement[bool]] = []
    if wanted.reward_id is not None:
        scope.append(Redemption.reward_id == wanted.reward_id)
    if wanted.department is not None:
        scope.append(Employee.department == wanted.department)
    return scope
