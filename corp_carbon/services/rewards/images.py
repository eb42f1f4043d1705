"""Reward pictures HR uploads: checked, re-encoded and kept in the reward-images folder.

An upload is never stored as sent. It is decoded (PNG, JPEG or WebP only, judged by its
content, not its name), turned upright by its EXIF orientation, scaled to at most
``MAX_SIDE`` pixels on its longer side, and encoded afresh as WebP from the bare pixels, so
no metadata survives: no camera, GPS position, time, author or embedded thumbnail. The file
is named by the hash of what was written, so the same picture uploaded twice is one file,
and its address can be cached for good. The steps are ``services/pictures``, shared with the
commute evidence photos.
"""

from __future__ import annotations

import io
from pathlib import Path

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.rewards import IMAGE_FILE
from corp_carbon.services import pictures
from corp_carbon.services.pictures import MAX_PIXELS

#: the formats accepted, as Pillow names them, and as people know them.
ACCEPTED = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
#: the longer side of a stored picture, in pixels (the catalogue shows them far smaller).
MAX_SIDE = 1200
WEBP_QUALITY = 85
MB = 1024 * 1024


def store_image(folder: Path, data: bytes, *, max_bytes: int) -> str:
    """Checks and re-encodes an uploaded picture into ``folder``; its file name.

    400 naming the field ``image`` when it is empty, too large, or not a PNG, JPEG or WebP
    picture that can be read.
    """
    if not data:
        raise DomainError("image: the file is empty")
    if len(data) > max_bytes:
        raise DomainError(
            f"image: the file is {len(data) / MB:,.1f} MB; pictures of at most "
            f"{max_bytes / MB:,.0f} MB are accepted"
        )
    return pictures.store(folder, _reencoded(data), ".webp")


def image_path(folder: Path, name: str) -> Path | None:
    """The stored picture called ``name``; None when the name is not one of ours or the file
    is gone (so no name can reach outside the folder)."""
    if not IMAGE_FILE.match(name):
        return None
    path = folder / name
    return path if path.is_file() else None


def _reencoded(data: bytes) -> bytes:
    *others, last = ACCEPTED.values()
    accepted = f"{', '.join(others)} or {last}"
    try:
        bare = pictures.bare_pixels(
            data, formats=list(ACCEPTED), max_side=MAX_SIDE, keep_alpha=True
        )
    except pictures.Unreadable as exc:
        if exc.why == "pixels":
            width, height = exc.size
            raise DomainError(
                f"image: {width:,} × {height:,} pixels is too many; "
                f"at most {MAX_PIXELS // 1_000_000} megapixels are accepted"
            ) from None
        if exc.why == "format":
            raise DomainError(
                f"image: not a picture this page accepts; upload a {accepted} file"
            ) from None
        raise DomainError(
            f"image: the picture cannot be read ({exc.detail}); upload it again"
        ) from None
    out = io.BytesIO()
    bare.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()
