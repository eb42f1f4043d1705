"""An import's row problems in the page's language.

Connectors write each problem as a short English sentence (stored with the run, and in the
CLI's output): "not a valid date (expected YYYY-MM-DD): '2025-06-31'". The admin page says
the common families in the reader's language, keeping the value the file held; a sentence no
family matches is shown as written, marked as English (``lang="en"``) for screen readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from corp_carbon.web.i18n import gettext


@dataclass(frozen=True)
class ProblemWords:
    text: str
    #: the language of ``text``: None when it is the page's own.
    lang: str | None = None


_FAMILIES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^not a valid date-time(?: \(expected [^)]*\))?(?::\s*(?P<v>.*))?$"),
        lambda m: gettext("Not a valid date and time (expected ISO 8601, e.g. 2025-03-04T09:30)"),
    ),
    (
        re.compile(r"^not a valid date(?: \(expected [^)]*\))?(?::\s*(?P<v>.*))?$"),
        lambda m: gettext("Not a valid date (expected YYYY-MM-DD)"),
    ),
    (
        re.compile(r"^unknown IATA airport code$|^not a three-letter IATA code"),
        lambda m: gettext("Not a known airport code (three letters, e.g. LHR)"),
    ),
    (
        re.compile(r"^not a three-letter currency code"),
        lambda m: gettext("Not a currency code (three letters, e.g. EUR)"),
    ),
    (re.compile(r"^not a whole number"), lambda m: gettext("Not a whole number")),
    (re.compile(r"^not a number"), lambda m: gettext("Not a number")),
    (re.compile(r"^distance is negative"), lambda m: gettext("The distance is negative")),
    (re.compile(r"^amount out of range"), lambda m: gettext("The amount is out of range")),
    (re.compile(r"^not an email address"), lambda m: gettext("Not an email address")),
    (
        re.compile(r"^unknown cabin class"),
        lambda m: gettext("Unknown cabin class (economy, premium economy, business or first)"),
    ),
    (
        re.compile(r"^unknown class of travel on a train"),
        lambda m: gettext("Unknown class of travel on a train (standard, first or sleeper)"),
    ),
    (
        re.compile(r"^(?:(?P<what>[a-z_ ]+) missing|missing (?P<what2>[a-z_ ]+))$"),
        lambda m: gettext("Missing: %(what)s", what=(m["what"] or m["what2"]).strip()),
    ),
    (
        re.compile(r"^no employee ID and no email$"),
        lambda m: gettext("Neither an employee number nor an email: we cannot tell whose trip"),
    ),
)


def problem_words(reason: str) -> ProblemWords:
    """``reason`` in the page's language where its family is known, else as written."""
    for pattern, words in _FAMILIES:
        found = pattern.match(reason.strip())
        if found:
            return ProblemWords(words(found))
    return ProblemWords(reason, lang="en")
