"""Reward pictures: what an upload becomes on disk (upright, bounded, no metadata) and what is
refused, judged by content rather than name. Files only; no database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from corp_carbon.domain.errors import DomainError
from corp_carbon.services.rewards import images

LIMIT = 2 * 1024 * 1024


def picture(
    fmt: str, size: tuple[int, int] = (400, 200), mode: str = "RGB", **save: object
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (30, 120, 80) if mode == "RGB" else None).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    """A 400 × 200 camera photo, to be shown turned a quarter (EXIF orientation 6), carrying a
    camera, an author, a time and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D Mark IV"
    exif[ExifTags.Base.Artist] = "Ana Lima"
    exif[ExifTags.Base.DateTime] = "2026:11:30 08:15:00"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    data = picture("JPEG", exif=exif.tobytes())
    with Image.open(io.BytesIO(data)) as sent:  # the test's own premise: the metadata is there
        assert sent.getexif()[ExifTags.Base.Make] == "Canon"
        assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def test_a_photo_is_stored_upright_as_webp_without_its_metadata(tmp_path: Path) -> None:
    name = images.store_image(tmp_path, jpeg_with_exif(), max_bytes=LIMIT)
    stored = tmp_path / name
    assert images.image_path(tmp_path, name) == stored
    raw = stored.read_bytes()
    for trace in (b"Exif", b"Canon", b"EOS", b"Ana Lima", b"2026:11:30"):
        assert trace not in raw
    with Image.open(stored) as kept:
        assert kept.format == "WEBP"
        assert kept.size == (200, 400)  # turned upright before the orientation tag was dropped
        assert len(kept.getexif()) == 0
        assert not {"exif", "xmp", "icc_profile"} & set(kept.info)


def test_the_same_picture_twice_is_one_file(tmp_path: Path) -> None:
    data = picture("PNG")
    assert images.store_image(tmp_path, data, max_bytes=LIMIT) == images.store_image(
        tmp_path, data, max_bytes=LIMIT
    )
    assert len(list(tmp_path.iterdir())) == 1


def test_large_pictures_are_scaled_down_and_transparency_kept(tmp_path: Path) -> None:
    wide = images.store_image(tmp_path, picture("PNG", (3000, 1000)), max_bytes=LIMIT)
    with Image.open(tmp_path / wide) as kept:
        assert kept.size == (images.MAX_SIDE, 400)
    clear = images.store_image(
        tmp_path, picture("WEBP", (50, 50), mode="RGBA", lossless=True), max_bytes=LIMIT
    )
    with Image.open(tmp_path / clear) as kept:
        assert kept.mode == "RGBA"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "the file is empty"),
        (picture("GIF"), "upload a PNG, JPEG or WebP file"),
        (picture("BMP"), "upload a PNG, JPEG or WebP file"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "PNG, JPEG"),
        (b"%PDF-1.7 this is a document renamed picture.png", "upload a PNG, JPEG or WebP file"),
        (picture("JPEG")[:300], "cannot be read"),
        (picture("PNG", (8000, 6000), mode="1"), "megapixels"),
        (b"\xff" * (LIMIT + 1), "at most 2 MB"),
    ],
    ids=["empty", "gif", "bmp", "svg", "pdf", "truncated", "too-many-pixels", "too-large"],
)
def test_anything_else_is_refused_naming_the_field(tmp_path: Path, data: bytes, says: str) -> None:
    with pytest.raises(DomainError) as caught:
        images.store_image(tmp_path, data, max_bytes=LIMIT)
    assert caught.value.message.startswith("image: ")
    assert says in caught.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../secret.webp", "x.webp", "0" * 32 + ".png", "/etc/passwd"])
def test_only_our_own_file_names_are_served(tmp_path: Path, name: str) -> None:
    assert images.image_path(tmp_path, name) is None
