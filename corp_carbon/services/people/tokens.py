"""API tokens for travel systems and scripts: random, shown once, stored as SHA-256, revocable.

A token acts as its employee with the employee role plus the token's own role, and never with
more than the employee holds: the role is checked when the token is created and again on every
use, so a role taken away from the employee is taken away from their tokens too.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import ApiToken, Employee
from corp_carbon.db.queries import employee_by_reference, to_profile
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import Conflict, DomainError, NotFound
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.audit import entries as audit

PREFIX = "cc_"
#: ``last_used_at`` is written at most this often per token, so reads do not write every time.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_NAME_LENGTH = 120
MAX_SCOPES_LENGTH = 200
MAX_EXPIRY_DAYS = 3650
#: longer than any token this module makes; anything longer is refused without a query.
_MAX_RAW_LENGTH = 128
_SCOPE = re.compile(r"^[a-z][a-z0-9_.:-]{0,39}$")


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: everything except the token itself and its hash."""

    id: int
    employee_id: int
    employee_email: str
    name: str
    role: Role
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles the token grants: employee plus its own role."""
        return token_roles(self.role)

    def is_active(self, now: datetime | None = None) -> bool:
        at = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)


def token_roles(role: Role) -> tuple[Role, ...]:
    held = {Role.EMPLOYEE, role}
    return tuple(r for r in Role if r in held)


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def parse_scopes(scopes: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Scopes as given (each may itself hold several, space-separated), checked, de-duplicated."""
    found: list[str] = []
    for item in scopes:
        for scope in item.split():
            if not _SCOPE.match(scope):
                raise DomainError(
                    f"scope {scope!r}: use lower-case letters, digits and _ . : - "
                    "(at most 40 characters, starting with a letter)"
                )
            if scope not in found:
                found.append(scope)
    if len(" ".join(found)) > MAX_SCOPES_LENGTH:
        raise DomainError(f"scopes: at most {MAX_SCOPES_LENGTH} characters in all")
    return tuple(found)


# -- use cases (each owns its transaction) --------------------------------------------------------


def create_token(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee: str,
    role: Role,
    name: str,
    scopes: tuple[str, ...] = (),
    expires_in_days: int | None = 365,
) -> tuple[str, TokenInfo]:
    """A new token for ``employee`` (email or employee number); the raw token is returned only
    here and is never stored."""
    clean_name = name.strip()
    if not clean_name:
        raise DomainError("name: must not be empty")
    if len(clean_name) > MAX_NAME_LENGTH:
        raise DomainError(f"name: at most {MAX_NAME_LENGTH} characters")
    clean_scopes = parse_scopes(scopes)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise DomainError(f"expires in days: must be between 1 and {MAX_EXPIRY_DAYS}")
    raw_token = PREFIX + secrets.token_urlsafe(32)
    with uow:
        session = uow.session
        owner = employee_by_reference(session, employee)
        if not owner.active or owner.erased_at is not None:
            raise DomainError(f"employee {owner.email}: deactivated; a token would not work")
        held = owner.role_names
        if role.value not in held:
            raise DomainError(
                f"role {role.value!r}: {owner.email} does not hold it "
                f"(holds: {', '.join(held)}); a token cannot grant more than its employee has"
            )
        now = utcnow()
        token = ApiToken(
            employee_id=owner.id,
            name=clean_name,
            token_hash=hash_token(raw_token),
            role=role,
            scopes=" ".join(clean_scopes),
            created_at=now,
            expires_at=None if expires_in_days is None else now + timedelta(days=expires_in_days),
        )
        session.add(token)
        session.flush()
        audit.record(
            session,
            actor,
            "token.create",
            target_type="api_token",
            target_id=token.id,
            detail={
                "employee_id": owner.id,
                "name": clean_name,
                "role": role.value,
                "scopes": list(clean_scopes),
                "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            },
        )
        info = _info(token, owner.email)
        uow.commit()
    return raw_token, info


def revoke_token(uow: UnitOfWork, actor: Actor, token_id: int) -> TokenInfo:
    """Revokes a token at once; revoking one twice is a conflict naming when it was revoked."""
    with uow:
        session = uow.session
        row = session.execute(
            sa.select(ApiToken, Employee.email)
            .join(Employee, Employee.id == ApiToken.employee_id)
            .where(ApiToken.id == token_id)
            .with_for_update(of=ApiToken)
        ).first()
        if row is None:
            raise NotFound(f"API token {token_id} does not exist")
        token, email = row
        if token.revoked_at is not None:
            raise Conflict(
                f"API token {token_id} was already revoked at {token.revoked_at:%Y-%m-%d %H:%M} UTC"
            )
        token.revoked_at = utcnow()
        audit.record(
            session,
            actor,
            "token.revoke",
            target_type="api_token",
            target_id=token.id,
            detail={"employee_id": token.employee_id, "name": token.name},
        )
        session.flush()
        info = _info(token, email)
        uow.commit()
    return info


def look_at_tokens(uow: UnitOfWork, actor: Actor) -> list[TokenInfo]:
    """Every token, oldest first; the list names the tokens' owners, so the look is recorded."""
    with uow:
        listed = list_tokens(uow.session)
        audit.record(
            uow.session,
            actor,
            "token.view_list",
            target_type="api_token",
            detail={"shown": len(listed)},
        )
        uow.commit()
    return listed


def use_token(uow: UnitOfWork, raw_token: str) -> tuple[EmployeeProfile, int] | None:
    """``authenticate`` as a request's own transaction, committing the token's last use."""
    if not raw_token:
        return None
    with uow:
        found = authenticate(uow.session, raw_token)
        uow.commit()
    return found


# -- reads and request-time checks (inside the caller's transaction) ------------------------------


def list_tokens(session: Session, employee_id: int | None = None) -> list[TokenInfo]:
    """Every token (or one employee's), oldest first, revoked and expired ones included."""
    query = (
        sa.select(ApiToken, Employee.email)
        .join(Employee, Employee.id == ApiToken.employee_id)
        .order_by(ApiToken.id)
    )
    if employee_id is not None:
        query = query.where(ApiToken.employee_id == employee_id)
    return [_info(token, email) for token, email in session.execute(query)]


def get_token(session: Session, token_id: int) -> TokenInfo | None:
    row = session.execute(
        sa.select(ApiToken, Employee.email)
        .join(Employee, Employee.id == ApiToken.employee_id)
        .where(ApiToken.id == token_id)
    ).first()
    return None if row is None else _info(*row)


def authenticate(session: Session, raw_token: str) -> tuple[EmployeeProfile, int] | None:
    """The token's employee, with the token's roles, and the token's id; None for an unknown,
    revoked or expired token or a deactivated employee.

    Marks the token used (at most once per ``LAST_USED_RESOLUTION``); the caller commits.
    """
    if not raw_token.startswith(PREFIX) or len(raw_token) > _MAX_RAW_LENGTH:
        return None
    row = session.execute(
        sa.select(ApiToken, Employee)
        .join(Employee, Employee.id == ApiToken.employee_id)
        .where(ApiToken.token_hash == hash_token(raw_token))
    ).first()
    if row is None:
        return None
    token, employee = row
    now = utcnow()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not employee.active or employee.erased_at is not None:
        return None
    _mark_used(session, token, now)
    profile = to_profile(employee)
    # never more than the employee holds today, even if a role was taken away after creation
    roles = tuple(r for r in token_roles(token.role) if r in profile.roles)
    return replace(profile, roles=roles), token.id


def _mark_used(session: Session, token: ApiToken, now: datetime) -> None:
    cutoff = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > cutoff:
        return
    # conditional, so concurrent requests with the same token write it once
    session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.id == token.id,
            sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= cutoff),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def employee_id_for(session: Session, reference: str) -> int:
    """The id of the employee with this email or employee number (NotFound otherwise)."""
    return employee_by_reference(session, reference).id


def _info(token: ApiToken, email: str) -> TokenInfo:
    return TokenInfo(
        id=token.id,
        employee_id=token.employee_id,
        employee_email=email,
        name=token.name,
        role=token.role,
        scopes=tuple(token.scopes.split()),
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )
