"""How an erased person is found in text and replaced: their name, email and numbers, not a
colleague's name that happens to share a part, nor a number inside a longer one."""

from __future__ import annotations

from corp_carbon.domain.redaction import Identifiers, Scrubber, erased_email, erased_name

KEY = "3f9a1c2b5e6d7a8b9c0d"
ZOE = Identifiers(
    key=KEY,
    name="Zoë Müller",
    email="zoe.mueller@example.com",
    employee_number="E1001",
    sso_subject="idp|42",
    given_name="Zoë",
    family_name="Müller",
)


def test_an_erased_person_is_named_by_their_report_key() -> None:
    assert erased_name(KEY) == "Erased employee 3f9a1c2b5e6d7a8b9c0d"
    assert erased_email(KEY) == "erased-3f9a1c2b5e6d7a8b9c0d@erased.invalid"


def test_anyones_text_loses_what_names_the_person_alone() -> None:
    shared = Scrubber(ZOE.replacements("shared"))
    assert shared.text("Row 3: ZOE.MUELLER@EXAMPLE.COM unknown; ask zoë müller") == (
        f"Row 3: {erased_email(KEY)} unknown; ask {erased_name(KEY)}"
    )
    assert shared.text("E1001 and E10012 and XE1001") == f"erased-{KEY} and E10012 and XE1001"
    # a colleague's first name stays in text that is not about her, and so does a short number
    assert shared.text("Zoë Berg approved it") == "Zoë Berg approved it"
    short = Identifiers(key=KEY, name="Li Na", email="li.na@example.com", employee_number="42")
    assert Scrubber(short.replacements("shared")).text("42 rows") == "42 rows"
    assert Scrubber(short.replacements("about")).text("42 rows") == f"erased-{KEY} rows"


def test_text_typed_about_the_person_loses_each_part_of_their_name() -> None:
    typed = Scrubber(ZOE.replacements("typed"))
    assert typed.text("Thanks, Zoë, for the bike week (idp|42)") == (
        f"Thanks, {erased_name(KEY)}, for the bike week (erased-{KEY})"
    )
    assert typed.text("Zoëlle") == "Zoëlle"  # part of a longer word


def test_keys_get_tokens_that_stay_apart() -> None:
    keys = Scrubber(ZOE.replacements("keys"))
    assert keys.text("commute:E1001:2025-03") == f"commute:erased-{KEY}:2025-03"
    assert keys.text("commute:zoe.mueller@example.com:2025-03") == (
        f"commute:{erased_email(KEY)}:2025-03"
    )
    assert keys.text("Zoë Müller") == "Zoë Müller"  # names are no keys


def test_json_is_scrubbed_in_keys_and_values_at_any_depth() -> None:
    shared = Scrubber(ZOE.replacements("shared"))
    value = {"by": "Zoë Müller", "list": [{"zoe.mueller@example.com": 3}], "n": 7, "ok": True}
    assert shared.json(value) == {
        "by": erased_name(KEY), "list": [{erased_email(KEY): 3}], "n": 7, "ok": True,
    }  # fmt: skip


def test_names_in_scripts_without_spaces_are_found_inside_a_sentence() -> None:
    wei = Identifiers(key=KEY, name="张伟", email="zhang.wei@example.com")
    assert Scrubber(wei.replacements("shared")).text("请联系张伟的经理") == (
        f"请联系{erased_name(KEY)}的经理"
    )


def test_the_database_prefilter_looks_for_json_escapes_too() -> None:
    assert ZOE.shared_texts() == [
        "zoe.mueller@example.com",
        "Zoë Müller",
        "Zo\\u00eb M\\u00fcller",
        "idp|42",
        "E1001",
    ]
