"""Evidence photos behind logged commutes: checked, re-encoded, kept outside the database.

An upload is never stored as sent. It is decoded (JPEG, PNG or HEIC, judged by its content,
not its name), turned upright by its EXIF orientation, scaled to at most ``MAX_SIDE`` pixels
and encoded afresh as JPEG from the bare pixels, so no metadata survives: no GPS position,
camera, time or embedded thumbnail. The file is named by the hash of what was written, so
the same photo sent twice is one file. The steps are ``services/pictures``, shared with the
reward pictures.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.config import Settings
from corp_carbon.db.models import CommuteEvidence
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.commute_log import CommuteInputError
from corp_carbon.services import pictures

#: the formats accepted, as Pillow (with pillow-heif) names them.
ACCEPTED = ("JPEG", "PNG", "HEIF")
#: how people know them, for the page.
ACCEPTED_NAMES = ("JPEG", "PNG", "HEIC")
MAX_SIDE = 1600
JPEG_QUALITY = 85
MB = 1024 * 1024
FILE_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")


@dataclass(frozen=True)
class StoredPhoto:
    file_name: str
    size_bytes: int
    width: int
    height: int


def add_evidence(uow: UnitOfWork, settings: Settings, employee_id: int, data: bytes) -> int:
    """Stores an employee's evidence photo; its id (to attach to a logged commute).

    422 naming the field ``photo`` when it is empty, too large or not a photo we accept.
    """
    photo = store_photo(settings.commute_evidence_dir, data, max_mb=settings.commute.max_photo_mb)
    with uow:
        row = record(uow, employee_id, photo)
        uow.commit()
        return row


def record(uow: UnitOfWork, employee_id: int, photo: StoredPhoto) -> int:
    """The evidence row of a stored photo, inside the caller's transaction."""
    row = CommuteEvidence(
        employee_id=employee_id,
        file_name=photo.file_name,
        size_bytes=photo.size_bytes,
        width=photo.width,
        height=photo.height,
    )
    uow.session.add(row)
    uow.session.flush()
    return row.id


def store_photo(folder: Path, data: bytes, *, max_mb: int) -> StoredPhoto:
    """Checks and re-encodes an uploaded photo into ``folder``."""
    if not data:
        raise CommuteInputError("photo", "empty", "the file is empty")
    if len(data) > max_mb * MB:
        raise CommuteInputError(
            "photo",
            "too_big",
            f"the file is {len(data) / MB:,.1f} MB; photos of at most {max_mb} MB are accepted",
            size_mb=round(len(data) / MB, 1),
            max_mb=max_mb,
        )
    encoded, width, height = _reencoded(data)
    name = pictures.store(folder, encoded, ".jpg")
    return StoredPhoto(name, len(encoded), width, height)


def photo_path(folder: Path, name: str) -> Path | None:
    """The stored photo called ``name``; None when the name is not one of ours or it is gone."""
    if not FILE_NAME.match(name):
        return None
    path = folder / name
    return path if path.is_file() else None


def _reencoded(data: bytes) -> tuple[bytes, int, int]:
    _heic_support()
    try:
        bare = pictures.bare_pixels(data, formats=ACCEPTED, max_side=MAX_SIDE)
    except pictures.Unreadable:
        raise CommuteInputError(
            "photo", "not_a_photo", "not a photo we accept; upload a JPEG, PNG or HEIC file"
        ) from None
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), bare.width, bare.height


def _heic_support() -> None:
    """Teaches Pillow to read HEIC (iPhone photos); done on first use, not at import."""
    from pillow_heif import register_heif_opener

    register_heif_opener()


def owns(session: Session, employee_id: int, file_name: str) -> bool:
    """Whether the employee sent a photo stored under this name (only they may see it)."""
    found = session.scalar(
        sa.select(CommuteEvidence.id)
        .where(CommuteEvidence.employee_id == employee_id, CommuteEvidence.file_name == file_name)
        .limit(1)
    )
    return found is not None
