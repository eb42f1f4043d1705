"""HR's catalogue use cases on a real database: edit, retire, offer again, the catalogue as HR
sees it, and the redemption desk's filters and pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from corp_carbon.db.models import AuditEvent, Redemption
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import Actor
from corp_carbon.domain.reward_catalogue import CatalogueState
from corp_carbon.domain.rewards import RewardInactive, RewardSpec
from corp_carbon.domain.vocabulary import RedemptionStatus
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.people.employees import add_employee
from corp_carbon.services.rewards import catalogue, desk, queries, redemptions
from corp_carbon.services.rewards.views import RewardView
from tests.support import OPERATOR

_n = itertools.count()


def _person(uow: UnitOfWork, department: str | None = None, points: int = 50_000) -> int:
    n = next(_n)
    profile = add_employee(
        uow, OPERATOR, email=f"p{n}@example.com", name=f"Person {n}", department=department
    )
    adjustments.adjust(
        uow, OPERATOR, employee=profile.email, points=points, reason="welcome", request_key=f"w{n}"
    )
    return profile.id


def _redeem(uow: UnitOfWork, employee_id: int, reward_id: int) -> int:
    return redemptions.request_redemption(
        uow,
        Actor(label="employee", employee_id=employee_id),
        employee_id=employee_id,
        reward_id=reward_id,
        request_key=f"k{next(_n)}",
    ).redemption.id


def _spec(reward: RewardView, **changes: Any) -> RewardSpec:
    """The reward as its form would send it back, with ``changes``."""
    current = {name: getattr(reward, name) for name in RewardSpec.__dataclass_fields__}
    return replace(RewardSpec(**current), **changes)


def _audit(uow: UnitOfWork, action: str) -> list[AuditEvent]:
    with uow:
        found = list(
            uow.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        uow.session.expunge_all()
    return found


# --- edit ------------------------------------------------------------------------------------


def test_edit_changes_the_reward_and_records_each_change(uow: UnitOfWork) -> None:
    voucher = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000, stock=10)
    edited = catalogue.edit_reward(
        uow,
        OPERATOR,
        voucher.id,
        _spec(voucher, cost_points=1500, stock=8, description="Any operator"),
    )
    assert edited.changed == ("cost_points", "stock", "description")
    assert (edited.reward.cost_points, edited.reward.stock) == (1500, 8)
    [entry] = _audit(uow, "reward.edit")
    assert entry.target_id == str(voucher.id)
    assert entry.detail["changes"] == {
        "cost_points": [1000, 1500],
        "stock": [10, 8],
        "description": ["", "Any operator"],
    }


def test_an_edit_that_changes_nothing_writes_nothing(uow: UnitOfWork) -> None:
    voucher = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000)
    same = catalogue.edit_reward(uow, OPERATOR, voucher.id, _spec(voucher, name=" Rail voucher "))
    assert same.changed == ()
    assert _audit(uow, "reward.edit") == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"cost_points": 0}, "cost_points"),
        ({"stock": -1}, "stock"),
        ({"per_person_limit": 0}, "per_person_limit"),
        ({"kind": "donation", "project_name": None}, "project_name"),
        ({"image_url": "http://intranet.example.com/rail.png"}, "image_url"),
        ({"image_url": "javascript:alert(1)"}, "image_url"),
        ({"image_url": "https://x.example/a.png", "image_file": "0" * 32 + ".webp"}, "image_url"),
        ({"image_file": "../../etc/passwd"}, "image_file"),
    ],
)
def test_a_bad_edit_names_the_field_and_changes_nothing(
    uow: UnitOfWork, changes: dict[str, Any], field: str
) -> None:
    voucher = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000)
    with pytest.raises(DomainError) as caught:
        catalogue.edit_reward(uow, OPERATOR, voucher.id, _spec(voucher, **changes))
    assert caught.value.http_status == 400
    assert caught.value.message.startswith(f"{field}:")
    with uow:
        assert queries.get_reward(uow.session, voucher.id) == voucher


def test_an_edit_cannot_take_another_active_rewards_name(uow: UnitOfWork) -> None:
    catalogue.add_reward(uow, OPERATOR, name="Bike service", cost_points=500)
    voucher = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000)
    with pytest.raises(DomainError) as caught:
        catalogue.edit_reward(uow, OPERATOR, voucher.id, _spec(voucher, name="BIKE service"))
    assert caught.value.http_status == 409
    assert caught.value.message.startswith("name:")
    catalogue.retire_reward(uow, OPERATOR, voucher.id)  # a retired reward may share a name
    edited = catalogue.edit_reward(uow, OPERATOR, voucher.id, _spec(voucher, name="Bike service"))
    assert edited.reward.name == "Bike service"
    with pytest.raises(DomainError) as offered_again:
        catalogue.unretire_reward(uow, OPERATOR, voucher.id)
    assert offered_again.value.http_status == 409
    assert offered_again.value.message.startswith("name:")


def test_editing_the_price_leaves_past_redemptions_and_their_refunds_alone(
    uow: UnitOfWork,
) -> None:
    voucher = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=1000)
    who = _person(uow, points=10_000)
    first = _redeem(uow, who, voucher.id)
    catalogue.edit_reward(uow, OPERATOR, voucher.id, _spec(voucher, cost_points=4000))
    second = _redeem(uow, who, voucher.id)
    with uow:
        costs = dict(
            uow.session.execute(
                sa.select(Redemption.id, Redemption.cost_points).order_by(Redemption.id)
            ).all()
        )
    assert costs == {first: 1000, second: 4000}
    redemptions.reject(uow, OPERATOR, first, reason="budget")  # refunds what it cost then
    with uow:
        assert ledger.balance(uow.session, who) == 10_000 - 4000


def test_an_edit_does_not_overwrite_stock_that_changed_since_the_form_was_opened(
    uow: UnitOfWork,
) -> None:
    voucher = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=100, stock=5)
    _redeem(uow, _person(uow), voucher.id)  # stock 5 -> 4 while HR has the form open
    with pytest.raises(DomainError) as caught:
        catalogue.edit_reward(
            uow, OPERATOR, voucher.id, _spec(voucher, stock=5, cost_points=200), stock_seen=5
        )
    assert caught.value.http_status == 409
    assert caught.value.message.startswith("stock: it changed from 5 to 4")
    # a stock left as it stood is no conflict: the rest of the edit goes through
    kept = catalogue.edit_reward(
        uow, OPERATOR, voucher.id, _spec(voucher, stock=4, cost_points=200), stock_seen=5
    )
    assert (kept.reward.stock, kept.reward.cost_points) == (4, 200)


# --- retire and offer again -------------------------------------------------------------------


def test_retiring_keeps_open_redemptions_on_the_desk_and_says_how_many(uow: UnitOfWork) -> None:
    voucher = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=100)
    who = _person(uow)
    waiting = [_redeem(uow, who, voucher.id) for _ in range(3)]
    redemptions.approve(uow, OPERATOR, waiting[0])
    redemptions.reject(uow, OPERATOR, waiting[2], reason="budget")
    retired = catalogue.retire_reward(uow, OPERATOR, voucher.id)
    assert (retired.changed, retired.open_redemptions, retired.reward.active) == (True, 2, False)
    with pytest.raises(RewardInactive):
        _redeem(uow, who, voucher.id)
    handed = redemptions.fulfil(uow, OPERATOR, waiting[0], voucher_code="RAIL-1")
    assert handed.status is RedemptionStatus.FULFILLED
    again = catalogue.retire_reward(uow, OPERATOR, voucher.id)
    assert (again.changed, again.open_redemptions) == (False, 1)
    offered = catalogue.unretire_reward(uow, OPERATOR, voucher.id)
    assert offered.changed and offered.reward.active
    assert _redeem(uow, who, voucher.id)
    [retire] = _audit(uow, "reward.retire")
    assert retire.detail == {"name": "Rail voucher", "open_redemptions": 2}
    assert [e.target_id for e in _audit(uow, "reward.unretire")] == [str(voucher.id)]


def test_the_catalogue_as_hr_sees_it(uow: UnitOfWork) -> None:
    now = utcnow()
    offered = catalogue.add_reward(uow, OPERATOR, name="Offered", cost_points=100)
    soon = catalogue.add_reward(
        uow, OPERATOR, name="Soon", cost_points=100, active_from=now + timedelta(days=3)
    )
    over = catalogue.add_reward(
        uow,
        OPERATOR,
        name="Over",
        cost_points=100,
        active_from=now - timedelta(days=9),
        active_until=now - timedelta(days=1),
    )
    gone = catalogue.add_reward(uow, OPERATOR, name="Gone", cost_points=100)
    who = _person(uow)
    for _ in range(2):
        _redeem(uow, who, offered.id)
    fulfilled = _redeem(uow, who, gone.id)
    redemptions.approve(uow, OPERATOR, fulfilled)
    redemptions.fulfil(uow, OPERATOR, fulfilled, note="handed over")
    catalogue.retire_reward(uow, OPERATOR, gone.id)
    with uow:
        listed = {i.reward.id: i for i in queries.catalogue_for_hr(uow.session)}
    assert {i: item.state for i, item in listed.items()} == {
        offered.id: CatalogueState.ACTIVE,
        soon.id: CatalogueState.SCHEDULED,
        over.id: CatalogueState.ENDED,
        gone.id: CatalogueState.RETIRED,
    }
    assert (listed[offered.id].open_redemptions, listed[offered.id].redeemed) == (2, 2)
    assert (listed[gone.id].open_redemptions, listed[gone.id].redeemed) == (0, 1)


# --- the desk --------------------------------------------------------------------------------


@pytest.fixture
def desk_data(uow: UnitOfWork) -> dict[str, Any]:
    """Nine redemptions: rail by Finance (5) and bike by Legal (4); some decided."""
    rail = catalogue.add_reward(uow, OPERATOR, name="Rail voucher", cost_points=100)
    bike = catalogue.add_reward(uow, OPERATOR, name="Bike service", cost_points=100)
    finance, legal = _person(uow, "Finance"), _person(uow, "Legal")
    made = [_redeem(uow, finance, rail.id) for _ in range(5)]
    made += [_redeem(uow, legal, bike.id) for _ in range(4)]
    redemptions.approve(uow, OPERATOR, made[1])
    redemptions.reject(uow, OPERATOR, made[2], reason="budget")
    redemptions.approve(uow, OPERATOR, made[6])
    redemptions.fulfil(uow, OPERATOR, made[6], voucher_code="B-1")
    return {"rail": rail.id, "bike": bike.id, "made": made}


def _all_pages(uow: UnitOfWork, wanted: desk.DeskFilter, per_page: int) -> list[int]:
    first = desk.look_at_desk(uow, OPERATOR, wanted, page=1, per_page=per_page)
    ids = []
    for page in range(1, first.pages + 1):
        found = desk.look_at_desk(uow, OPERATOR, wanted, page=page, per_page=per_page)
        assert found.total == first.total
        assert (found.first, found.last) == (
            (page - 1) * per_page + 1,
            (page - 1) * per_page + len(found.items),
        )
        ids += [item.redemption.id for item in found.items]
    return ids


def test_desk_pages_partition_the_list_open_first(
    uow: UnitOfWork, desk_data: dict[str, Any]
) -> None:
    made = desk_data["made"]
    ids = _all_pages(uow, desk.DeskFilter(), per_page=2)
    decided = [made[6], made[2]]  # newest first
    assert ids == [i for i in made if i not in decided] + decided
    past_the_end = desk.look_at_desk(uow, OPERATOR, desk.DeskFilter(), page=99, per_page=2)
    assert (past_the_end.page, past_the_end.pages, len(past_the_end.items)) == (5, 5, 1)


def test_desk_filters_and_counts(uow: UnitOfWork, desk_data: dict[str, Any]) -> None:
    made, rail = desk_data["made"], desk_data["rail"]
    everything = desk.look_at_desk(uow, OPERATOR, desk.DeskFilter(), page=1, per_page=50)
    assert everything.counts == {
        RedemptionStatus.REQUESTED: 6,
        RedemptionStatus.APPROVED: 1,
        RedemptionStatus.FULFILLED: 1,
        RedemptionStatus.REJECTED: 1,
        RedemptionStatus.CANCELLED: 0,
    }
    assert everything.departments == ["Finance", "Legal"]
    assert [r.name for r in everything.rewards] == ["Bike service", "Rail voucher"]
    rail_only = desk.desk_filter({"reward": str(rail)})
    assert _all_pages(uow, rail_only, per_page=2) == [made[0], made[1], made[3], made[4], made[2]]
    legal = desk.look_at_desk(
        uow, OPERATOR, desk.desk_filter({"department": "Legal"}), page=1, per_page=50
    )
    assert [i.redemption.id for i in legal.items] == [made[5], made[7], made[8], made[6]]
    assert legal.counts[RedemptionStatus.REQUESTED] == 3
    waiting = desk.desk_filter({"status": "requested", "department": "Finance"})
    assert _all_pages(uow, waiting, per_page=2) == [made[0], made[3], made[4]]
    nobody = desk.look_at_desk(
        uow, OPERATOR, desk.desk_filter({"department": "Nowhere"}), page=3, per_page=2
    )
    assert (nobody.total, nobody.page, nobody.pages, nobody.first) == (0, 1, 1, 0)


@pytest.mark.parametrize(
    ("args", "named"), [({"status": "pending"}, "status"), ({"reward": "rail"}, "reward")]
)
def test_a_bad_desk_filter_names_the_parameter(args: dict[str, str], named: str) -> None:
    with pytest.raises(DomainError) as caught:
        desk.desk_filter(args)
    assert caught.value.message.startswith(named)


def test_each_look_at_the_desk_is_audited_with_what_it_showed(
    uow: UnitOfWork, desk_data: dict[str, Any]
) -> None:
    wanted = desk.desk_filter({"status": "requested"})
    shown = desk.look_at_desk(uow, OPERATOR, wanted, page=2, per_page=2)
    [entry] = _audit(uow, "redemptions.view_desk")
    assert entry.detail == {
        "filter": {"status": "requested"},
        "page": 2,
        "shown": 2,
        "redemptions": [i.redemption.id for i in shown.items],
    }
