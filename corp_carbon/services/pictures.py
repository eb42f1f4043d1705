"""Uploaded pictures made safe to keep: decoded, checked, stripped to bare pixels, stored by
content.

Reward pictures (``services/rewards/images``) and commute evidence photos
(``services/commutes/evidence``) go through the same steps, and only their formats, sizes and
words differ: the format is judged by content, not name; a picture with more than
``MAX_PIXELS`` is refused before it is decoded (a small file can expand to gigabytes); it is
turned upright by its EXIF orientation and scaled down; then only its pixels are kept, so no
camera, GPS position, time or embedded thumbnail survives the new encoding. The file is named
by the hash of what was written, so the same picture sent twice is one file.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

#: pictures with more pixels than this are refused before they are decoded.
MAX_PIXELS = 40_000_000


class Unreadable(Exception):
    """Why an upload is no picture to keep: not one of the formats ("format"), too many
    pixels ("pixels", with its ``size``), or truncated or corrupt data ("corrupt")."""

    def __init__(
        self, why: Literal["format", "pixels", "corrupt"], detail: str = "",
        size: tuple[int, int] = (0, 0),
    ) -> None:  # fmt: skip
        super().__init__(why, detail)
        self.why = why
        self.detail = detail
        self.size = size


def bare_pixels(
    data: bytes, *, formats: Sequence[str], max_side: int, keep_alpha: bool = False
) -> Image.Image:
    """The upload's pixels, upright and at most ``max_side`` on the longer side, as a new
    image that carries no metadata; ``Unreadable`` when it is no such picture."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=list(formats))
            with picture:
                if picture.width * picture.height > MAX_PIXELS:
                    raise Unreadable("pixels", size=(picture.width, picture.height))
                upright = ImageOps.exif_transpose(picture)
                upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                mode = "RGBA" if keep_alpha and _has_alpha(upright) else "RGB"
                pixels = upright.convert(mode)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Unreadable("format") from None
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
        raise Unreadable("corrupt", str(exc)) from None
    return Image.frombytes(mode, pixels.size, pixels.tobytes())  # pixels only, no metadata


def store(folder: Path, encoded: bytes, suffix: str) -> str:
    """Keeps ``encoded`` in ``folder`` under the hash of its content; the file name."""
    name = hashlib.sha256(encoded).hexdigest()[:32] + suffix
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        _write_atomically(target, encoded)
    return name


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
