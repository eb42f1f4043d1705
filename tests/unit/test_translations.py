"""The Chinese catalogue: every word a person reads is translated, placeholders survive, and
the compiled catalogue the app reads is the one in the .po file."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "corp_carbon" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _marked() -> set[tuple[str, str | None]]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[tuple[str, str | None]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        # a plural message is kept in the catalogue under its singular
        found.add((message if isinstance(message, str) else message[0], context))
    return found


def _catalogue():  # type: ignore[no-untyped-def]
    with (CATALOGUE / "corp_carbon.po").open("rb") as po:
        return read_po(po, locale="zh_Hans_CN", domain="corp_carbon")


def test_every_marked_word_has_a_chinese_translation() -> None:
    catalogue = _catalogue()
    missing = sorted(
        (text, context or "")
        for text, context in _marked()
        if not _translated(catalogue.get(text, context))
    )
    assert not missing, f"untranslated (run `make translations`, then translate): {missing[:20]}"


def _translated(message) -> bool:  # type: ignore[no-untyped-def]
    """Every form translated (a plural message has one per plural form)."""
    if message is None:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def test_translations_keep_every_placeholder() -> None:
    broken = []
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != wanted:
                broken.append((ids[0], string))
    assert not broken, broken[:10]


def test_the_compiled_catalogue_matches_its_source() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue())
    assert (CATALOGUE / "corp_carbon.mo").read_bytes() == compiled.getvalue(), (
        "corp_carbon.mo is stale: run `make translations`"
    )
