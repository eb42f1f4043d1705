"""Signing in through company SSO: find or provision the employee, update them, sync roles.

Matching an identity to an employee, in order: the stored SSO subject, then the employee
number, then the email (only when the provider does not say the email is unverified). A record
HR or SCIM created before the first sign-in is linked (its sso_subject set), never duplicated.
Later sign-ins copy changed attributes from the provider (the travel-policy grade only when
``[sso.claims] grade`` names a claim: absent keeps it, empty clears it). With
``[sso] roles_from_groups`` the provider's groups grant and revoke hr/sustainability/admin in
``employee_roles`` at every sign-in. Everything is audit-logged in the sign-in's own transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import NoReturn

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.config import Settings
from corp_carbon.db.models import Employee, EmployeeRole
from corp_carbon.db.queries import to_profile
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.domain.errors import Conflict, Forbidden
from corp_carbon.domain.identity import Identity, roles_from_groups
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.audit import entries as audit

log = logging.getLogger("corp_carbon.sso")

METHOD = "sso"
#: attributes copied from the provider at every sign-in when it sends them.
SYNCED = ("email", "name", "employee_number", "department", "cost_centre", "office")


class LoginRefused(Forbidden):
    """This person may not sign in (deactivated, or their identity clashes with a record)."""

    code = "login_refused"


@dataclass(frozen=True)
class SignIn:
    """The outcome of a successful sign-in."""

    profile: EmployeeProfile
    #: a new employee record was created from the claims (just-in-time provisioning).
    provisioned: bool
    #: an existing record without an SSO subject was linked, matched by this attribute.
    linked_by: str | None
    #: attributes updated from the provider.
    changed: tuple[str, ...]
    granted: tuple[Role, ...]
    revoked: tuple[Role, ...]

    @property
    def may_have_pending_bookings(self) -> bool:
        """Imported bookings wait for an unknown employee number or email: worth replaying
        when the employee is new or one of those just changed."""
        return self.provisioned or bool({"email", "employee_number"} & set(self.changed))


def sign_in(uow: UnitOfWork, settings: Settings, identity: Identity, ip: str | None) -> SignIn:
    """Finds, links or creates the employee for ``identity``; LoginRefused when they may not
    sign in (the refusal is audit-logged too). Retries once when a concurrent first sign-in
    of the same person created the record in between."""
    for attempt in (1, 2):
        try:
            return _sign_in_once(uow, settings, identity, ip)
        except IntegrityError:
            if attempt == 2:
                raise Conflict(
                    "another employee record already holds this email or employee number; "
                    "ask HR to correct the records"
                ) from None
            log.info("sso sign-in raced with another for %s; retrying", identity.email)
    raise AssertionError("unreachable")


def _sign_in_once(
    uow: UnitOfWork, settings: Settings, identity: Identity, ip: str | None
) -> SignIn:
    with uow:
        session = uow.session
        begin_write(session)
        try:
            employee, linked_by = _match(session, identity)
        except LoginRefused as exc:
            _refuse(uow, identity, ip, None, "identity_clash", exc.message)
        if employee is not None and (not employee.active or employee.erased_at is not None):
            _refuse(
                uow,
                identity,
                ip,
                employee.id,
                "deactivated",
                "Your corp-carbon account is deactivated, so you cannot sign in. "
                "If you think this is a mistake, contact HR.",
            )
        provisioned = employee is None
        if employee is None:
            employee = _provision(session, identity)
            changed: tuple[str, ...] = ()
            old_grade = None
        else:
            old_grade = employee.grade
            changed = _update(session, employee, identity, linked_by)
        actor = Actor(label=identity.email, employee_id=employee.id, ip=ip)
        granted, revoked = _sync_roles(settings, employee, identity)
        session.flush()
        if provisioned:
            audit.record(
                session,
                actor,
                "employee.provision",
                target_type="employee",
                target_id=employee.id,
                detail={"method": METHOD, "roles": employee.role_names},
            )
        elif linked_by is not None:
            audit.record(
                session,
                actor,
                "employee.sso_link",
                target_type="employee",
                target_id=employee.id,
                detail={"matched_by": linked_by},
            )
        if changed:
            detail: dict[str, object] = {"changed": list(changed)}
            if "grade" in changed:
                detail["grade"] = {"old": old_grade, "new": employee.grade}
            audit.record(
                session,
                actor,
                "employee.sso_update",
                target_type="employee",
                target_id=employee.id,
                detail=detail,
            )
        if granted or revoked:
            audit.record(
                session,
                actor,
                "employee.roles",
                target_type="employee",
                target_id=employee.id,
                detail={
                    "granted": [r.value for r in granted],
                    "revoked": [r.value for r in revoked],
                    "source": "sso-groups",
                },
            )
        audit.record(
            session,
            actor,
            "auth.login",
            target_type="employee",
            target_id=employee.id,
            detail={"method": METHOD, "roles": employee.role_names},
        )
        profile = to_profile(employee)
        uow.commit()
    return SignIn(profile, provisioned, linked_by, changed, granted, revoked)


def _match(session: Session, identity: Identity) -> tuple[Employee | None, str | None]:
    """The employee for ``identity`` and, when linking a record without SSO subject, how."""
    by_subject = session.scalar(sa.select(Employee).where(Employee.sso_subject == identity.subject))
    if by_subject is not None:
        return by_subject, None
    candidates: list[tuple[str, Employee | None]] = []
    if identity.employee_number:
        candidates.append(
            (
                "employee_number",
                session.scalar(
                    sa.select(Employee).where(Employee.employee_number == identity.employee_number)
                ),
            )
        )
    if identity.email_verified:
        candidates.append(
            ("email", session.scalar(sa.select(Employee).where(Employee.email == identity.email)))
        )
    for matched_by, employee in candidates:
        if employee is None:
            continue
        if employee.sso_subject is not None:
            raise LoginRefused(
                f"The corp-carbon record with this {matched_by.replace('_', ' ')} is already "
                "linked to another company sign-in account. Ask HR to check the records."
            )
        if (
            matched_by == "email"
            and identity.employee_number
            and employee.employee_number not in (None, identity.employee_number)
        ):
            raise LoginRefused(
                "The corp-carbon record with your email has a different employee number than "
                "your company account. Ask HR to correct the records."
            )
        return employee, matched_by
    return None, None


def _provision(session: Session, identity: Identity) -> Employee:
    employee = Employee(
        sso_subject=identity.subject,
        email=identity.email,
        name=identity.name,
        employee_number=identity.employee_number,
        department=identity.department,
        cost_centre=identity.cost_centre,
        office=identity.office,
        grade=identity.grade or None,
    )
    session.add(employee)
    session.flush()  # an IntegrityError here: a concurrent sign-in or a clash (see sign_in)
    return employee


def _update(
    session: Session, employee: Employee, identity: Identity, linked_by: str | None
) -> tuple[str, ...]:
    """Copies the provider's values (those it sent) onto the record; a value another record
    already holds is kept as it is and logged, rather than failing the sign-in."""
    if linked_by is not None:
        employee.sso_subject = identity.subject
    changed: list[str] = []
    for field in SYNCED:
        value = getattr(identity, field)
        if value is None or getattr(employee, field) == value:
            continue
        if field in ("email", "employee_number"):
            column = getattr(Employee, field)
            holder = session.scalar(
                sa.select(Employee.id).where(column == value, Employee.id != employee.id)
            )
            if holder is not None:
                log.warning(
                    "sso sign-in of employee %s: %s %r is held by employee %s; not changed",
                    employee.id,
                    field,
                    value,
                    holder,
                )
                continue
        setattr(employee, field, value)
        changed.append(field)
    grade = identity.grade or None  # "" (sent empty) clears it
    if identity.grade is not None and employee.grade != grade:
        employee.grade = grade
        changed.append("grade")
    return tuple(changed)


def _sync_roles(
    settings: Settings, employee: Employee, identity: Identity
) -> tuple[tuple[Role, ...], tuple[Role, ...]]:
    """Makes ``employee_roles`` hold exactly the roles the groups grant (when configured)."""
    if not settings.sso.roles_from_groups:
        return (), ()
    if not identity.groups_sent:
        log.warning(
            "sso sign-in of %s sent no %r claim: only the employee role is kept",
            identity.email,
            settings.sso.claims.groups,
        )
    wanted = set(roles_from_groups(identity.groups, settings.sso.roles)) - {Role.EMPLOYEE}
    held = {r.role for r in employee.roles}
    granted = tuple(r for r in Role if r in wanted - held)
    revoked = tuple(r for r in Role if r in held - wanted)
    if revoked:
        employee.roles = [r for r in employee.roles if r.role in wanted]
    for role in granted:
        employee.roles.append(EmployeeRole(role=role))
    return granted, revoked


def _refuse(
    uow: UnitOfWork,
    identity: Identity,
    ip: str | None,
    employee_id: int | None,
    reason: str,
    message: str,
) -> NoReturn:
    """Rolls back whatever the sign-in changed, audit-logs the refusal, raises LoginRefused."""
    session = uow.session
    session.rollback()
    audit.record(
        session,
        Actor(label=identity.email, employee_id=employee_id, ip=ip),
        "auth.login_refused",
        target_type="employee",
        target_id=employee_id,
        detail={"method": METHOD, "reason": reason},
    )
    uow.commit()
    raise LoginRefused(message)
