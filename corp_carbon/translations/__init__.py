"""The message catalogues, and the extractor that puts the vocabulary's labels in them.

Words a page shows through the ``label`` filter (modes, cabins, statuses, hauls), the
names of the overview's preset periods and the report's names for missing groups ("Not a
flight", "(no department)") are written once in ``corp_carbon.domain`` and
translated like any template text: ``make translations`` extracts them with
``vocabulary_labels`` (named in ``babel.cfg``).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import IO, Any


def vocabulary_labels(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method: every label the domain vocabulary can show a person."""
    from corp_carbon.domain import vocabulary
    from corp_carbon.domain.factors import HAUL_LABELS
    from corp_carbon.domain.periods import PRESET_LABELS
    from corp_carbon.domain.reporting import (
        NO_CABIN,
        NO_DEPARTMENT,
        NO_HAUL,
        NO_OFFICE,
        NOT_A_FLIGHT,
    )

    words: set[str] = set(vocabulary.LABELS.values()) | set(vocabulary.RAIL_CLASS_LABELS.values())
    for item in vars(vocabulary).values():
        if isinstance(item, type) and issubclass(item, StrEnum) and item is not StrEnum:
            words.update(vocabulary.label(member) for member in item)
    words.update(text[:1].upper() + text[1:] for text in HAUL_LABELS.values())
    words.update(PRESET_LABELS.values())
    words.update((NOT_A_FLIGHT, NO_HAUL, NO_CABIN, NO_DEPARTMENT, NO_OFFICE))
    for word in sorted(words):
        yield 1, "_", word, ["a label of the domain vocabulary"]
