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
import logging
import re
import time
from collections.abc import Iterable
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

log = logging.getLogger("corp_carbon.evidence")


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


def remove_photos(folder: Path, names: Iterable[str]) -> int:
    """Deletes these stored photos (names that are not ours are left alone); how many could
    not be deleted (logged; the retention job's sweep tries again)."""
    failed = 0
    for name in names:
        if not FILE_NAME.match(name):
            continue
        try:
            (folder / name).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete evidence photo %s: %s", name, exc.strerror or exc)
            failed += 1
    return failed


def unused_photos(session: Session, folder: Path, *, older_than_seconds: float) -> list[str]:
    """Photo files no evidence row names (an erasure whose file removal failed, an upload
    whose transaction rolled back), older than ``older_than_seconds`` so an upload still
    on its way to its row is never among them."""
    if not folder.is_dir():
        return []
    cutoff = time.time() - older_than_seconds
    on_disk = [
        path.name
        for path in folder.iterdir()
        if FILE_NAME.match(path.name) and path.stat().st_mtime < cutoff
    ]
    named = set(
        session.scalars(
            sa.select(CommuteEvidence.file_name).where(CommuteEvidence.file_name.in_(on_disk))
        )
    )
    return [name for name in on_disk if name not in named]


#: a photo no row names is left alone this long: its upload may still be on its way to its row.
SWEEP_AFTER_SECONDS = 24 * 3600


def sweep_unused_photos(uow: UnitOfWork, settings: Settings) -> int:
    """Deletes photo files no evidence row names (older than a day); how many went."""
    folder = settings.commute_evidence_dir
    with uow:
        unused = unused_photos(uow.session, folder, older_than_seconds=SWEEP_AFTER_SECONDS)
    return len(unused) - remove_photos(folder, unused)
