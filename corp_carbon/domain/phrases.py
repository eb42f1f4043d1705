"""Sentences the domain writes for people, kept as a template and its values.

The scoring trail is written here, far from any web request, yet people read it in their own
language. So a sentence is kept as its English template (marked with ``N_`` so the
catalogue extraction finds it) plus the values that fill it: numbers, vocabulary values and
smaller phrases. The English text is ``str(phrase)``; the web layer says the same phrase in
the page's language from ``to_json()``, which is also how the trail is stored.

JSON shape: ``{"msg": template, "args": {name: value}}`` where a value is a plain string
(an id, a publisher's name), ``{"num": "412.3", "digits": 1}``, ``{"label": "rail"}`` (a
vocabulary value, shown as its word), ``{"date": "2025-03-01"}`` (a day, in the page's
date format) or another phrase.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from corp_carbon.domain.vocabulary import label


def N_(template: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Marks ``template`` for the catalogue without translating it here."""
    return template


@dataclass(frozen=True, slots=True)
class Num:
    """A figure shown with exactly ``digits`` decimals (grouped per language when shown)."""

    value: Decimal | int
    digits: int = 0

    def __str__(self) -> str:
        return f"{Decimal(self.value):,.{self.digits}f}"

    def to_json(self) -> dict[str, Any]:
        return {"num": str(self.value), "digits": self.digits}


@dataclass(frozen=True, slots=True)
class Word:
    """A vocabulary value (a mode, a fuel, a cabin) shown as its word, lower case mid-sentence."""

    value: str

    def __str__(self) -> str:
        return label(self.value).lower()

    def to_json(self) -> dict[str, Any]:
        return {"label": self.value}


@dataclass(frozen=True, slots=True)
class Day:
    """A calendar day, written the way the reader's language writes dates."""

    value: date

    def __str__(self) -> str:
        return f"{self.value:%-d %B %Y}"

    def to_json(self) -> dict[str, Any]:
        return {"date": self.value.isoformat()}


@dataclass(frozen=True, slots=True)
class Phrase:
    template: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.args:
            return self.template
        return self.template % {name: str(value) for name, value in self.args.items()}

    def __bool__(self) -> bool:
        return bool(self.template)

    def to_json(self) -> dict[str, Any]:
        return {
            "msg": self.template,
            "args": {
                name: value.to_json() if hasattr(value, "to_json") else str(value)
                for name, value in self.args.items()
            },
        }


def say(template: str, **args: Any) -> Phrase:
    """A phrase: ``say(N_("%(km)s km apart"), km=Num(412))``."""
    return Phrase(template, args)
