"""HR's employee directory: which people a search shows, and who may switch an account off.

An account is switched off by deactivating it (``Employee.active``, stamped with
``deactivated_at``), the same rule SCIM follows: a deactivated employee cannot sign in, their
points stay, and imported trips are still matched to them and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from corp_carbon.domain.errors import DomainError

#: the longest search text taken (longer is cut, never sent on as a huge LIKE pattern).
MAX_SEARCH = 200


class StatusFilter(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    ALL = "all"


def parse_status(raw: str | None) -> StatusFilter:
    """The list's ``status`` parameter: active (the default), deactivated or all."""
    value = (raw or "").strip().lower() or StatusFilter.ACTIVE.value
    try:
        return StatusFilter(value)
    except ValueError:
        raise DomainError(f"status {raw!r}: choose active, deactivated or all") from None


def search_text(raw: str | None) -> str:
    """The search box's text with its spaces tidied: one search over name, email, number and
    department."""
    return " ".join((raw or "").split())[:MAX_SEARCH]


@dataclass(frozen=True)
class DirectoryQuery:
    text: str = ""
    department: str = ""
    status: StatusFilter = StatusFilter.ACTIVE

    def as_params(self) -> dict[str, str]:
        """The query as URL parameters, leaving out what is at its default."""
        params = {"q": self.text, "department": self.department}
        if self.status is not StatusFilter.ACTIVE:
            params["status"] = self.status.value
        return {name: value for name, value in params.items() if value}


def status_change_refusal(
    *,
    deactivate: bool,
    is_self: bool,
    scim_erasure_due_at: datetime | None,
) -> str | None:
    """Why this account cannot be switched off (or on) by this person now; None: it can.

    Nobody deactivates themselves: they would lock themselves out, and the change should
    be a second person's decision. An account the identity provider deleted through SCIM
    comes back only when the identity provider creates it again."""
    if deactivate and is_self:
        return (
            "You cannot deactivate your own account: ask another HR officer or administrator "
            "to do it."
        )
    if not deactivate and scim_erasure_due_at is not None:
        return (
            "This account was deleted by the identity provider (SCIM) and its personal data is "
            f"due for erasure on {scim_erasure_due_at:%Y-%m-%d}. Only the identity provider "
            "can bring it back, by creating the user again."
        )
    return None
