"""The services behind HR's employee pages on both databases: directory search and paging,
the account on/off rule SCIM shares, and the erasure queue with its one-open-request rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from corp_carbon.config import Settings
from corp_carbon.db.models import AuditEvent, Employee, ErasureRequest
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.directory import DirectoryQuery, StatusFilter
from corp_carbon.domain.erasure import ErasureChannel, ErasureOutcome
from corp_carbon.domain.errors import Conflict, DomainError, NotFound
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.services.people import accounts, directory, erasures, profiles

HR = Actor(label="hana.ruiz@example.com")


@pytest.fixture
def hana(create_employee: Callable[..., EmployeeProfile]) -> Actor:
    found = create_employee(email="hana.ruiz@example.com", name="Hana Ruiz", roles=("hr",))
    return Actor(label=found.email, employee_id=found.id, ip="127.0.0.1")


def _search(uow: UnitOfWork, query: DirectoryQuery, limit: int = 10, offset: int = 0) -> list[str]:
    with uow:
        return [
            e.name
            for e in directory.search_employees(
                uow.session, query, limit=limit, offset=offset
            ).entries
        ]


def test_search_ignores_case_in_any_script_and_reads_wildcards_literally(
    uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> None:
    create_employee(email="j.weiss@example.com", name="Jürgen Weiß", department="R&D")
    create_employee(email="lars@example.com", name="Lars Øvergård", department="100% Sales")
    create_employee(email="x_y@example.com", name="Xavier Young", employee_number="X_1")
    assert _search(uow, DirectoryQuery(text="JÜRGEN")) == ["Jürgen Weiß"]
    assert _search(uow, DirectoryQuery(text="øVERG")) == ["Lars Øvergård"]
    assert _search(uow, DirectoryQuery(text="100%")) == ["Lars Øvergård"]
    assert _search(uow, DirectoryQuery(text="x_")) == ["Xavier Young"]  # email and number
    assert _search(uow, DirectoryQuery(text="r&d")) == ["Jürgen Weiß"]
    assert _search(uow, DirectoryQuery(text="%")) == ["Lars Øvergård"]


def test_pages_split_the_sorted_list_and_the_total_counts_every_page(
    uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> None:
    for name in ("carla", "Bruno", "anna", "Dora", "emil"):
        create_employee(email=f"{name.lower()}@example.com", name=name, department="Ops")
    query = DirectoryQuery(department="Ops")
    assert _search(uow, query, limit=2) == ["anna", "Bruno"]  # by name, ignoring case
    assert _search(uow, query, limit=2, offset=2) == ["carla", "Dora"]
    assert _search(uow, query, limit=2, offset=4) == ["emil"]
    assert _search(uow, query, limit=2, offset=6) == []
    with uow:
        assert directory.search_employees(uow.session, query, limit=2, offset=6).total == 5
        assert directory.departments(uow.session) == ["Ops"]


def test_status_filter_and_erased_people(
    uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> None:
    ids = {n: create_employee(email=f"{n}@example.com", name=n).id for n in ("on", "off", "erased")}
    with uow:
        uow.session.get(Employee, ids["off"]).active = False  # type: ignore[union-attr]
        gone = uow.session.get(Employee, ids["erased"])
        assert gone is not None
        gone.active, gone.erased_at = False, datetime.now(UTC)
        uow.commit()
    assert _search(uow, DirectoryQuery()) == ["on"]
    assert _search(uow, DirectoryQuery(status=StatusFilter.DEACTIVATED)) == ["off"]
    assert _search(uow, DirectoryQuery(status=StatusFilter.ALL)) == ["off", "on"]
    with pytest.raises(NotFound):
        profiles.look_at_employee(uow, HR, ids["erased"])


def test_the_account_rule_stamps_once_and_clears_on_reactivation(
    uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile], hana: Actor
) -> None:
    zoe = create_employee(email="zoe@example.com", name="Zoë").id
    off = accounts.set_active(uow, hana, zoe, active=False)
    assert off.changed and not off.active and off.deactivated_at is not None
    again = accounts.set_active(uow, hana, zoe, active=False)
    assert not again.changed and again.deactivated_at == off.deactivated_at  # stamped once
    on = accounts.set_active(uow, hana, zoe, active=True)
    assert on.changed and on.active and on.deactivated_at is None
    with uow:
        events = uow.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.target_id == str(zoe))
        ).all()
    assert [e for e in events if e != "employee.create"] == [
        "employee.deactivate",
        "employee.reactivate",
    ]
    with pytest.raises(Conflict, match="You cannot deactivate your own account"):
        accounts.set_active(uow, hana, hana.employee_id or 0, active=False)
    with pytest.raises(NotFound):
        accounts.set_active(uow, hana, 987_654, active=False)


def test_one_open_erasure_request_per_employee(
    uow: UnitOfWork,
    settings: Settings,
    create_employee: Callable[..., EmployeeProfile],
    hana: Actor,
) -> None:
    zoe = create_employee(email="zoe@example.com", name="Zoë").id
    ben = create_employee(email="ben@example.com", name="Ben").id
    with pytest.raises(DomainError, match="reason: say why"):
        erasures.request_erasure(uow, settings, hana, zoe, reason=" \n ")
    with pytest.raises(DomainError, match="reason: at most 500"):
        erasures.request_erasure(uow, settings, hana, zoe, reason="x" * 501)
    first = erasures.request_erasure(uow, settings, hana, zoe, reason="asked  in\nperson")
    assert first.reason == "asked in person" and first.requested_by == "Hana Ruiz"
    assert first.due_at - first.requested_at == timedelta(days=settings.privacy.erase_after_days)
    with pytest.raises(Conflict, match="already waiting: asked by Hana Ruiz"):
        erasures.request_erasure(uow, settings, hana, zoe, reason="again")
    later = erasures.request_erasure(uow, settings, hana, ben, reason="left the company")
    with uow:  # the database holds the rule too, whatever the code does
        uow.session.add(
            ErasureRequest(
                employee_id=zoe, channel=ErasureChannel.HR, reason="sneaky",
                requested_by_label="x", due_at=datetime.now(UTC),
            )
        )  # fmt: skip
        with pytest.raises(IntegrityError):
            uow.session.flush()
    with uow:  # a closed request does not count
        done = uow.session.get(ErasureRequest, first.id)
        assert done is not None
        done.closed_at, done.outcome = datetime.now(UTC), ErasureOutcome.ERASED
        uow.commit()
    assert [r.employee_name for r in erasures.erasure_queue(uow, hana)] == ["Ben"]
    again = erasures.request_erasure(uow, settings, hana, zoe, reason="asked again")
    queue = erasures.erasure_queue(uow, hana)
    assert [r.id for r in queue] == [later.id, again.id]  # the one due first at the top
