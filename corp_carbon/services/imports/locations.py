"""Where a source's files are: a watched folder (here) or an SFTP directory (``sftp``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from corp_carbon.config import SourceConfig
from corp_carbon.db.types import utcnow

#: the watched folder's subfolder for handled files (after = "move").
PROCESSED_DIR = "processed"


class PullError(Exception):
    """The source's location could not be read; the message is one readable line."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int
    #: modification time, UTC.
    modified_at: datetime


def shown_location(location: str) -> str:
    """The location without any password written into an sftp:// URL."""
    if not location.startswith("sftp:"):
        return location
    parts = urlsplit(location)
    if parts.password is None:
        return location
    netloc = f"{parts.username}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


class Location(Protocol):
    """Where a source's files are: list them, make one readable locally, mark one handled."""

    remote: bool

    def list(self) -> list[RemoteFile]: ...

    def fetch(self, entry: RemoteFile, into: Path) -> Path: ...

    def mark_done(self, entry: RemoteFile) -> None: ...


class FolderLocation:
    remote = False

    def __init__(self, source: SourceConfig) -> None:
        self.folder = Path(source.location).expanduser()

    def list(self) -> list[RemoteFile]:
        if not self.folder.is_dir():
            raise PullError(f"folder {self.folder} does not exist or is not a folder")
        entries = []
        try:
            with os.scandir(self.folder) as it:
                for item in it:
                    if item.is_file(follow_symlinks=True):
                        info = item.stat()
                        modified = datetime.fromtimestamp(info.st_mtime, UTC)
                        entries.append(RemoteFile(item.name, info.st_size, modified))
        except OSError as exc:
            raise PullError(f"folder {self.folder}: {exc.strerror or exc}") from None
        return entries

    def fetch(self, entry: RemoteFile, into: Path) -> Path:
        return self.folder / entry.name

    def mark_done(self, entry: RemoteFile) -> None:
        target_dir = self.folder / PROCESSED_DIR
        target_dir.mkdir(exist_ok=True)
        target = target_dir / entry.name
        if target.exists():  # the same name again: keep both
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
            target = target_dir / f"{entry.name}.{stamp}"
        os.replace(self.folder / entry.name, target)
