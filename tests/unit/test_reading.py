"""Input hygiene: encodings, delimiters and the XLSX guard, as a connector meets them."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pytest

from connectors.reading import (
    UnreadableFile,
    XlsxGuard,
    detect_encoding,
    dict_rows,
    sniff_delimiter,
    xlsx_rows,
)

ROWS = "id;name;city\n1;Zoë Müller;Zürich\n2;张伟;上海\n"


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("gb18030", b"", "gb18030"),
    ],
)
def test_every_supported_encoding_reads_the_same_rows(
    tmp_path: Path, encoding: str, prefix: bytes, expected: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(prefix + ROWS.encode(encoding))
    assert detect_encoding(path) == expected
    rows = [row for _, row in dict_rows(path, XlsxGuard())]
    assert rows == [
        {"id": "1", "name": "Zoë Müller", "city": "Zürich"},
        {"id": "2", "name": "张伟", "city": "上海"},
    ]


def test_undecodable_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"id,name\n1,\x81\x30\xff\xff\n")
    with pytest.raises(UnreadableFile, match=r"export\.csv: not UTF-8, UTF-16 or GB18030"):
        detect_encoding(path)


@pytest.mark.parametrize(("sample", "delimiter"), [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2;3\n", ";"), ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"),
])  # fmt: skip
def test_delimiter_is_sniffed(sample: str, delimiter: str) -> None:
    assert sniff_delimiter(sample) == delimiter


def _zip(path: Path, member: str, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, payload)
    return path


def test_zip_bomb_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    # 50 MB of zeros compress to about 50 KB: a ratio of 1000:1
    bomb = _zip(tmp_path / "bookings.xlsx", "xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    with pytest.raises(UnreadableFile, match=r"bookings\.xlsx: compression ratio \d+:1"):
        list(xlsx_rows(bomb, XlsxGuard(max_ratio=100)))


def test_workbook_beyond_the_size_limit_is_refused(tmp_path: Path) -> None:
    big = _zip(tmp_path / "big.xlsx", "xl/worksheets/sheet1.xml", bytes(range(256)) * 20_000)
    with pytest.raises(UnreadableFile, match=r"big\.xlsx: expands to \d+ MB, more than .* 1 MB"):
        list(xlsx_rows(big, XlsxGuard(max_uncompressed_bytes=1024 * 1024, max_ratio=10_000)))


def test_broken_workbook_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a zip file")
    with pytest.raises(UnreadableFile, match=r"broken\.xlsx"):
        list(xlsx_rows(broken, XlsxGuard()))
