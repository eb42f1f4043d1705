"""The ranges of numbers the database can hold, so input beyond them is refused, not crashed on.

PostgreSQL's ``integer`` (ids, stock, per-person limits) and ``bigint`` (points) overflow
with an error where SQLite would take the value; every entry point checks against these.
"""

from __future__ import annotations

import re

from corp_carbon.domain.errors import DomainError

#: the largest PostgreSQL ``integer``: record ids, stock, limits.
MAX_INT32 = 2**31 - 1
#: the largest PostgreSQL ``bigint``: points amounts and prices.
MAX_INT64 = 2**63 - 1
#: the largest record id (ids are ``integer`` columns, starting at 1).
MAX_ID = MAX_INT32
#: the length of the ledger's and redemptions' idempotency-key columns.
MAX_STORED_KEY = 200
#: the longest Idempotency-Key a client may send (stored with a prefix in MAX_STORED_KEY).
MAX_REQUEST_KEY = 150
#: printable ASCII without spaces, as an HTTP header value.
REQUEST_KEY_PATTERN = r"^[\x21-\x7e]+$"
_REQUEST_KEY = re.compile(REQUEST_KEY_PATTERN)


def checked_request_key(raw: str) -> str:
    """An Idempotency-Key as sent by a client, checked to fit where it is stored."""
    key = raw.strip()
    if not key:
        raise DomainError("Idempotency-Key: must not be empty")
    if len(key) > MAX_REQUEST_KEY or not _REQUEST_KEY.match(key):
        raise DomainError(
            f"Idempotency-Key: at most {MAX_REQUEST_KEY} printable characters without spaces "
            "(a UUID is ideal)"
        )
    return key
