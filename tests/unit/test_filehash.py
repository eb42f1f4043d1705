"""The one file hasher: SHA-256, size and line count in one chunked pass."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from corp_carbon.filehash import CHUNK_BYTES, file_digest


def test_digest_of_a_file_larger_than_a_chunk(tmp_path: Path) -> None:
    data = b"a,b,c\n" * (CHUNK_BYTES // 3) + b"no newline at the end"
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    digest = file_digest(path)
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    assert digest.size == len(data)
    assert digest.lines == data.count(b"\n")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert file_digest(path) == (hashlib.sha256(b"").hexdigest(), 0, 0)


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        file_digest(tmp_path / "missing.csv")
