"""Values describing people and who is acting, handed from queries to services and pages."""

from __future__ import annotations

from dataclasses import dataclass

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import Role


@dataclass(frozen=True)
class EmployeeProfile:
    id: int
    public_id: str
    email: str
    name: str
    employee_number: str | None
    department: str | None
    office: str | None
    roles: tuple[Role, ...]
    active: bool
    #: the version a browser session must carry to count (revoked sessions carry an older one).
    session_version: int = 0

    def has_any_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)


@dataclass(frozen=True)
class Actor:
    """Who performs an action, for the audit log: an employee, a CLI operator, or the system."""

    label: str
    employee_id: int | None = None
    ip: str | None = None


SYSTEM = Actor(label="system")


def parse_roles(raw: list[str] | tuple[str, ...]) -> tuple[Role, ...]:
    roles: set[Role] = {Role.EMPLOYEE}
    for name in raw:
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError:
            accepted = ", ".join(r.value for r in Role)
            raise DomainError(f"role: unknown role {name!r} (accepted: {accepted})") from None
    return tuple(sorted(roles, key=list(Role).index))
