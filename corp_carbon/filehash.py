"""One pass over a file for its SHA-256, size and line count (uploads and pulled exports).

Read in 1 MiB chunks, so a large export never sits in memory whole. Standard library only:
the import pipeline, the pull and the catalogue can all use it without loading the app.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

CHUNK_BYTES = 1 << 20


class FileDigest(NamedTuple):
    sha256: str
    size: int
    lines: int


def file_digest(path: Path) -> FileDigest:
    """Raises ``OSError`` when the file cannot be read (callers say which file, and why)."""
    digest = hashlib.sha256()
    size = lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
    return FileDigest(digest.hexdigest(), size, lines)
