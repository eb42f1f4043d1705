"""The one rule for email addresses, used wherever an address enters: the CLI, SCIM, SSO sign-in,
imports, the API and the admin pages.

corp-carbon never sends mail: an address only identifies an employee and links bookings and
sign-ins to them. So the rule checks the *shape* of an address and nothing about delivery.
Intranet and reserved domains (``corp.local``, ``hr.internal``, ``office.lan``,
``example.test``) are accepted, unlike ``email-validator`` (what pydantic's ``EmailStr`` uses),
whose refusal of special-use names cannot be turned off per call without changing its
process-wide list, which a host application may rely on.

Accepted: a dot-atom local part of ASCII letters, digits and ``!#$%&'*+-/=?^_`{|}~`` (RFC 5322
§3.2.3: no quoted local parts, so no quotes, spaces, angle brackets or parentheses), one ``@``,
and a domain name of two or more labels, ASCII or internationalised (IDNA 2008 with UTS 46
mapping, by the ``idna`` package). No IP literals, no trailing dot. At most 64 characters
before the ``@``, 253 after it (as ASCII), 254 in all (RFC 5321 §4.5.3.1).

Canonical form: surrounding white space removed, lower case, the domain in its Unicode form,
so ``Kim@Bücher.Example`` and ``kim@xn--bcher-kva.example`` are one address.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

import idna

from corp_carbon.domain.errors import DomainError

MAX_LOCAL: Final = 64
MAX_DOMAIN: Final = 253
MAX_ADDRESS: Final = 254
_ATOM: Final = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL: Final = re.compile(rf"{_ATOM}(?:\.{_ATOM})*", re.ASCII)
_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
_SPACE_OR_CONTROL: Final = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\ufeff]")
#: how much of a refused value an error message quotes.
_QUOTED: Final = 80
#: domains whose check is kept (a company has a handful; a bound against odd files).
_DOMAINS_KEPT: Final = 1024


class InvalidEmail(DomainError):
    """A value that is not an email address; ``reason`` says why, for a user to act on."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"email: {quoted(value)} is not an email address ({reason})")


def quoted(value: str) -> str:
    """``value`` as error messages show it: repr, so hidden characters show, and cut short."""
    shown = value if len(value) <= _QUOTED else value[:_QUOTED] + "…"
    return repr(shown)


def canonical_email(raw: str) -> str:
    """``raw`` as the one stored spelling of the address; ``InvalidEmail`` says what is wrong."""
    address = raw.strip()
    if not address:
        raise InvalidEmail(raw, "it is empty")
    if _SPACE_OR_CONTROL.search(address):
        raise InvalidEmail(raw, "it contains a space or a control character")
    if "@" not in address:
        raise InvalidEmail(raw, "it has no @")
    if address.count("@") > 1:
        raise InvalidEmail(raw, "it has more than one @")
    local, domain = address.split("@")
    local = local.lower()
    if not local:
        raise InvalidEmail(raw, "nothing before the @")
    if len(local) > MAX_LOCAL:
        raise InvalidEmail(raw, f"more than {MAX_LOCAL} characters before the @")
    if not _LOCAL.fullmatch(local):
        raise InvalidEmail(
            raw,
            "before the @ only ASCII letters, digits, single dots (not first or last) and "
            "!#$%&'*+-/=?^_`{|}~ are accepted; no quotes, brackets or spaces",
        )
    unicode_domain = _domain(raw, domain)
    address = f"{local}@{unicode_domain}"
    if len(address) > MAX_ADDRESS:
        raise InvalidEmail(raw, f"longer than {MAX_ADDRESS} characters")
    return address


def lookup_key(raw: str) -> str:
    """What to compare stored addresses with when looking one up: the canonical address, or
    the trimmed lower-case text when ``raw`` is not an address (it then matches no one)."""
    try:
        return canonical_email(raw)
    except InvalidEmail:
        return raw.strip().lower()


def _domain(raw: str, domain: str) -> str:
    """The domain in lower-case Unicode form, checked in its ASCII (A-label) form."""
    unicode_domain, reason = _domain_form(domain)
    if reason is not None:
        raise InvalidEmail(raw, reason)
    return unicode_domain


@lru_cache(maxsize=_DOMAINS_KEPT)
def _domain_form(domain: str) -> tuple[str, str | None]:
    """``_domain``'s answer for one domain: its form, or why it is refused. Kept per domain:
    a company's addresses share a handful of domains, and an import checks every address."""
    if not domain:
        return "", "nothing after the @"
    if domain.endswith("."):
        return "", "the domain ends with a dot"
    if domain.startswith("[") or domain.replace(".", "").isdigit():
        return "", "an IP address is not accepted as the domain"
    if len(domain) > MAX_DOMAIN:
        return "", f"more than {MAX_DOMAIN} characters after the @"
    ascii_domain = unicode_domain = domain.lower()
    if not ascii_domain.isascii() or "xn--" in ascii_domain or not _plain(ascii_domain):
        try:  # the idna package only when needed: it is ~40 times slower than the regex
            ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
            unicode_domain = idna.decode(ascii_domain)
        except (idna.IDNAError, UnicodeError) as exc:
            return "", f"the domain is not a valid domain name: {exc}"
    labels = ascii_domain.split(".")
    if len(labels) < 2:
        return "", "the domain needs a dot, as in example.com or corp.local"
    if len(ascii_domain) > MAX_DOMAIN:
        return "", f"the domain is longer than {MAX_DOMAIN} characters as ASCII"
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "", "the domain may contain only letters, digits, hyphens and single dots"
    if labels[-1].isdigit():
        return "", "the domain cannot end with a number"
    return unicode_domain.lower(), None


def _plain(ascii_domain: str) -> bool:
    """Lower-case ASCII letters, digits and hyphens in dot-separated labels."""
    return all(_LABEL.fullmatch(label) for label in ascii_domain.split("."))
