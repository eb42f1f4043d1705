"""The one table of good and bad email addresses that every entry point is tested with: the
rule (tests/unit/test_email_rule.py), the CLI, SCIM, SSO sign-in, imports and the look-ups by
email (tests/integration/test_email_entry_points.py, tests/web/test_scim_emails.py)."""

from __future__ import annotations

from typing import Final

#: (as typed or sent, as stored): intranet and reserved domains are accepted, case is folded,
#: an internationalised domain is stored in its Unicode form whichever form it came in.
GOOD: Final[tuple[tuple[str, str], ...]] = (
    ("kim@example.test", "kim@example.test"),
    ("a.b@corp.local", "a.b@corp.local"),
    ("x@hr.internal", "x@hr.internal"),
    ("y@office.lan", "y@office.lan"),
    ("Mixed.Case@Example.COM", "mixed.case@example.com"),
    ("Jo@Bücher.Example", "jo@bücher.example"),
    ("li@xn--bcher-kva.example", "li@bücher.example"),
    ("yuki@例え.テスト", "yuki@例え.テスト"),
    ("o'brien+travel@example.com", "o'brien+travel@example.com"),
    ("  padded@example.org  ", "padded@example.org"),
    ("first_last-2@sub.dept.example.co.uk", "first_last-2@sub.dept.example.co.uk"),
)

#: (value, what the error message says about it).
BAD: Final[tuple[tuple[str, str], ...]] = (
    ("kim.example.com", "it has no @"),
    ("kim@corp@example.com", "more than one @"),
    ("kim lee@example.com", "a space or a control character"),
    ("kim@example.com\tx", "a space or a control character"),
    ("kim\x00@example.com", "a space or a control character"),
    ('"><svg/onload=alert(7)>@example.com', "no quotes, brackets or spaces"),
    ('"kim"@example.com', "no quotes, brackets or spaces"),
    ("<kim@example.com>", "no quotes, brackets or spaces"),
    ("kim..lee@example.com", "single dots"),
    (".kim@example.com", "single dots"),
    ("jörg@example.de", "ASCII letters"),
    ("kim@example.com.", "the domain ends with a dot"),
    ("@example.com", "nothing before the @"),
    ("kim@", "nothing after the @"),
    ("kim@localhost", "the domain needs a dot"),
    ("kim@[10.0.0.1]", "an IP address"),
    ("kim@10.0.0.1", "an IP address"),
    ("kim@exa_mple.com", "not a valid domain name"),
    ("kim@-corp.local", "not a valid domain name"),
    ("a" * 65 + "@example.com", "more than 64 characters before the @"),
    ("kim@" + "d" * 250 + ".com", "more than 253 characters after the @"),
    ("a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".com", "longer than 254 characters"),
)

#: addresses written differently from how they are stored, for look-ups by email.
SPELLINGS: Final[tuple[tuple[str, str], ...]] = (
    *((raw, stored) for raw, stored in GOOD if raw != stored),
    ("KIM@EXAMPLE.TEST", "kim@example.test"),
    ("JO@XN--BCHER-KVA.EXAMPLE", "jo@bücher.example"),
)
