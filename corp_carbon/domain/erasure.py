"""Erasure requests: who may ask for a person's data to be erased, and what a request needs.

The erasure itself (``services/people/erase``) blanks the personal fields while the ledger
keeps adding up; until it runs, a request waits in HR's queue with the date it is due. What
an erased person is called afterwards, and how they are found in text, is ``redaction``'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from corp_carbon.domain.errors import DomainError

#: the longest reason HR may record (a sentence or two, not a case file).
MAX_REASON = 500


class ErasureChannel(StrEnum):
    """How the request reached corp-carbon."""

    HR = "hr"  # recorded by HR or an administrator on the employee's profile
    SCIM = "scim"  # the identity provider deleted the user (SCIM DELETE)
    EMPLOYEE = "employee"  # the employee asked on their own My data page
    OPERATOR = "operator"  # an operator erased the person from the command line


class ErasureOutcome(StrEnum):
    """How a request was closed."""

    ERASED = "erased"
    WITHDRAWN = "withdrawn"  # the identity provider created the person again


def checked_reason(raw: str | None) -> str:
    """The reason as HR typed it, trimmed; a blank or overlong one names the field."""
    reason = " ".join((raw or "").split())
    if not reason:
        raise DomainError("reason: say why the data is to be erased (e.g. the person asked)")
    if len(reason) > MAX_REASON:
        raise DomainError(f"reason: at most {MAX_REASON} characters (got {len(reason)})")
    return reason


def due_date(requested_at: datetime, erase_after_days: int) -> datetime:
    """When the erasure is due: ``[privacy] erase_after_days`` after the request."""
    return requested_at + timedelta(days=erase_after_days)
