"""Reward pictures HR uploads: checked, re-encoded and kept in the reward-images folder.

An upload is never stored as sent. It is decoded (PNG, JPEG or WebP only, judged by its
content, not its name), turned upright by its EXIF orientation, scaled to at most
``MAX_SIDE`` pixels on its longer side, and encoded afresh as WebP from the bare pixels, so
no metadata survives: no camera, GPS position, time, author or embedded thumbnail. The file
is named by the hash of what was written, so the same picture uploaded twice is one file,
and its address can be cached for good.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.rewards import IMAGE_FILE

#: the formats accepted, as Pillow names them, and as people know them.
ACCEPTED = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
#: the longer side of a stored picture, in pixels (the catalogue shows them far smaller).
MAX_SIDE = 1200
#: pictures with more pixels than this are refused before they are decoded: a small file
#: can expand to gigabytes (a "decompression bomb").
MAX_PIXELS = 40_000_000
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
    encoded = _reencoded(data)
    name = hashlib.sha256(encoded).hexdigest()[:32] + ".webp"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        _write_atomically(target, encoded)
    return name


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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=list(ACCEPTED))
            with picture:
                if picture.width * picture.height > MAX_PIXELS:
                    raise DomainError(
                        f"image: {picture.width:,} × {picture.height:,} pixels is too many; "
                        f"at most {MAX_PIXELS // 1_000_000} megapixels are accepted"
                    )
                upright = ImageOps.exif_transpose(picture)
                upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
                mode = "RGBA" if _has_alpha(upright) else "RGB"
                pixels = upright.convert(mode)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(
            f"image: not a picture this page accepts; upload a {accepted} file"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
        raise DomainError(f"image: the picture cannot be read ({exc}); upload it again") from None
    bare = Image.frombytes(mode, pixels.size, pixels.tobytes())  # pixels only, no metadata
    out = io.BytesIO()
    bare.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def _has_alpha(picture: Image.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info


def _write_atomically(target: Path, content: bytes) -> None:
    """Writes beside the target and renames: a reader never sees half a picture."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
