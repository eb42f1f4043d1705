"""What an erased person is called afterwards, and how they are found and replaced in text.

An erased employee keeps their row (their trips, assessments and points stay, so every total
still adds up) under a name derived from the pseudonymous key the reports already use
(``reporting.pseudonym``): "Erased employee 3f9a…", erased-3f9a…@erased.invalid. The same key
stands in for their name, email and numbers wherever free text named them (audit-log detail,
notes, row problems, source keys), so a replaced key stays unique and a row that named them
still says "someone, the same one each time".

How far a replacement reaches depends on whose text it is (``Scope``). Anyone's text loses
what names the person alone: their full name, email, and numbers of at least ``MIN_SHARED``
characters (a colleague's "42" keeps its "42"). Entries about the person or by them lose
every identifier; text typed about them (an erasure reason, an adjustment's memo) also loses
each part of their name ("Thanks, Zoë"); stored keys get tokens that keep them unique.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

#: a domain that can never receive mail (RFC 2606), for the erased row's unique email.
ERASED_DOMAIN = "erased.invalid"
#: numbers (employee number, SSO subject, IdP id) shorter than this are replaced only in
#: text about the person.
MIN_SHARED = 4

#: whose text is scrubbed: anyone's ("shared"), an entry about or by the person ("about"),
#: free text typed about them ("typed"), or a stored key that must stay unique ("keys").
Scope = Literal["shared", "about", "typed", "keys"]


def erased_name(key: str) -> str:
    """The erased employee's display name: their report key, so an officer can tell which
    detail rows were theirs without learning who they were."""
    return f"Erased employee {key}"


def erased_email(key: str) -> str:
    return f"erased-{key}@{ERASED_DOMAIN}"


def erased_token(key: str) -> str:
    """What replaces an employee number, SSO subject or IdP id inside a key or a text."""
    return f"erased-{key}"


@dataclass(frozen=True)
class Identifiers:
    """Everything that names one person, and their pseudonymous key."""

    key: str
    name: str
    email: str
    employee_number: str | None = None
    sso_subject: str | None = None
    scim_external_id: str | None = None
    given_name: str | None = None
    family_name: str | None = None

    def replacements(self, scope: Scope) -> list[tuple[str, str]]:
        """(text, what replaces it) for text of ``scope``, longest first."""
        token = erased_token(self.key)
        shortest = MIN_SHARED if scope == "shared" else 1
        numbers = [
            n.strip()
            for n in (self.employee_number, self.sso_subject, self.scim_external_id)
            if n and len(n.strip()) >= shortest
        ]
        pairs = [(self.email, erased_email(self.key))] + [(n, token) for n in numbers]
        if scope != "keys":
            pairs.append((self.name, erased_name(self.key)))
        if scope == "typed":
            parts = [*self.name.split(), self.given_name or "", self.family_name or ""]
            pairs += [(part, erased_name(self.key)) for part in parts if len(part) >= 2]
        chosen: dict[str, tuple[str, str]] = {}
        for text, replacement in pairs:
            text = text.strip()
            if text and text.casefold() not in chosen:
                chosen[text.casefold()] = (text, replacement)
        return sorted(chosen.values(), key=lambda pair: -len(pair[0]))

    def shared_texts(self) -> list[str]:
        """What names the person in anyone's text, as stored: plain and as JSON escapes it
        (SQLite keeps JSON with non-ASCII letters escaped), for a database pre-filter."""
        texts: list[str] = []
        for text, _ in self.replacements("shared"):
            for form in (text, json.dumps(text)[1:-1]):
                if form not in texts:
                    texts.append(form)
        return texts


def _is_cjk(char: str) -> bool:
    """Scripts written without spaces, where a name has no word boundary around it."""
    return (
        "\u2e80" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af" or "\uf900" <= char <= "\ufaff"
    )


def _pattern(text: str) -> re.Pattern[str]:
    """``text`` anywhere it is not part of a longer word or number (any case)."""
    left = r"(?<!\w)" if text[0].isalnum() and not _is_cjk(text[0]) else ""
    right = r"(?!\w)" if text[-1].isalnum() and not _is_cjk(text[-1]) else ""
    return re.compile(left + re.escape(text) + right, re.IGNORECASE)


class Scrubber:
    """Replaces a person's identifiers in strings and JSON values."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._rules = [(_pattern(text), replacement) for text, replacement in pairs]

    def text(self, value: str) -> str:
        for pattern, replacement in self._rules:
            value = pattern.sub(replacement, value)
        return value

    def optional(self, value: str | None) -> str | None:
        return None if value is None else self.text(value)

    def json(self, value: Any) -> Any:
        """The same JSON value with every string (keys too) scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.json(v) for k, v in value.items()}
        return value
