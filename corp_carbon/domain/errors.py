"""One error hierarchy for the whole product; the web layer maps ``http_status`` to responses."""

from __future__ import annotations


class DomainError(Exception):
    """A problem a user can act on; ``code`` is stable for API clients."""

    http_status = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    http_status = 404
    code = "not_found"


class Conflict(DomainError):
    http_status = 409
    code = "conflict"


class Forbidden(DomainError):
    http_status = 403
    code = "forbidden"


class OwnAccount(Forbidden):
    """Separation of duties: nobody adjusts their own balance or decides their own redemption."""

    code = "own_account"


class SecondPersonNeeded(Forbidden):
    """A large adjustment is approved by someone other than the person who asked for it."""

    code = "second_person"
