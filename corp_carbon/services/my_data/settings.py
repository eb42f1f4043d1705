"""The employee's own privacy settings and erasure request, from the My data page.

Both are the person's choice about their own data, so both go on the record: an opt-in
decides whether colleagues see their name and points, and an erasure request starts HR's
work on their file.
"""

from __future__ import annotations

from dataclasses import dataclass

from corp_carbon.config import Settings
from corp_carbon.db.models import Employee
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.domain.erasure import ErasureChannel
from corp_carbon.domain.errors import Conflict, NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.my_data import team
from corp_carbon.services.people import erasures
from corp_carbon.services.people.erasures import ErasureView

#: what an erasure request asked for on the My data page records as its reason (HR's queue
#: shows the channel in words of its own).
OWN_REQUEST_REASON = "Asked by the employee on the My data page"


@dataclass(frozen=True)
class MyPrivacy:
    """What the My data page shows of the employee's choices."""

    leaderboard_opt_in: bool
    #: the waiting erasure request (asked by anyone), or None.
    erasure: ErasureView | None


def my_privacy(uow: UnitOfWork, employee_id: int) -> MyPrivacy:
    with uow:
        employee = uow.session.get(Employee, employee_id)
        if employee is None or employee.erased_at is not None:
            raise NotFound(f"employee {employee_id} does not exist")
        return MyPrivacy(
            leaderboard_opt_in=employee.leaderboard_opt_in,
            erasure=erasures.open_request(uow.session, employee_id),
        )


def set_leaderboard_opt_in(uow: UnitOfWork, actor: Actor, employee_id: int, opt_in: bool) -> bool:
    """Saves the leaderboard choice; True when it changed (a change is audit-logged, saving
    the same choice again writes nothing)."""
    with uow:
        session = uow.session
        begin_write(session)
        employee = session.get(Employee, employee_id, with_for_update=True)
        if employee is None or employee.erased_at is not None:
            raise NotFound(f"employee {employee_id} does not exist")
        if employee.leaderboard_opt_in == opt_in:
            return False
        employee.leaderboard_opt_in = opt_in
        audit.record(
            session,
            actor,
            "employee.leaderboard_opt_in",
            target_type="employee",
            target_id=employee_id,
            detail={"opt_in": opt_in},
        )
        department = employee.department
        uow.commit()
    team.forget_department(department)  # the board shows the change at once
    return True


@dataclass(frozen=True)
class ErasureAsked:
    request: ErasureView
    #: False: a request was already waiting and nothing new was recorded.
    created: bool


def ask_for_erasure(
    uow: UnitOfWork, settings: Settings, actor: Actor, employee_id: int
) -> ErasureAsked:
    """The employee's own request to erase their data, into HR's queue; a second request
    while one waits records nothing and returns the waiting one."""
    try:
        made = erasures.request_erasure(
            uow,
            settings,
            actor,
            employee_id,
            reason=OWN_REQUEST_REASON,
            channel=ErasureChannel.EMPLOYEE,
        )
    except Conflict:
        waiting = my_privacy(uow, employee_id).erasure
        if waiting is None:  # closed between the two reads: say so rather than guess
            raise
        return ErasureAsked(waiting, created=False)
    return ErasureAsked(made, created=True)
