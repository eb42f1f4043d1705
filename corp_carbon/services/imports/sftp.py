"""An SFTP directory as a location: host keys checked, never trusted on first sight."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from corp_carbon.config import SourceConfig
from corp_carbon.services.imports.locations import PullError, RemoteFile

if TYPE_CHECKING:
    import paramiko

#: suffix of handled files on an SFTP server (after = "move").
IMPORTED_SUFFIX = ".imported"
SFTP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SftpAddress:
    user: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, location: str) -> SftpAddress:
        parts = urlsplit(location)
        path = unquote(parts.path) or "."
        if path.startswith("/~/"):  # relative to the login's home, as curl writes it
            path = path[3:] or "."
        return cls(
            user=unquote(parts.username or ""),
            host=parts.hostname or "",
            port=parts.port or 22,
            path=path,
        )

    def __str__(self) -> str:
        return f"sftp://{self.user}@{self.host}:{self.port}/{self.path.lstrip('/')}"


class SftpLocation:
    remote = True

    def __init__(self, source: SourceConfig, sftp: paramiko.SFTPClient, address: SftpAddress):
        self.source = source
        self.sftp = sftp
        self.address = address

    def _path(self, name: str) -> str:
        return f"{self.address.path.rstrip('/')}/{name}" if self.address.path != "." else name

    def list(self) -> list[RemoteFile]:
        entries = []
        for attrs in self.sftp.listdir_attr(self.address.path):
            if attrs.st_mode is not None and not stat.S_ISREG(attrs.st_mode):
                continue
            modified = datetime.fromtimestamp(attrs.st_mtime or 0, UTC)
            entries.append(RemoteFile(attrs.filename, attrs.st_size or 0, modified))
        return entries

    def fetch(self, entry: RemoteFile, into: Path) -> Path:
        local = into / entry.name
        self.sftp.get(self._path(entry.name), str(local))
        return local

    def mark_done(self, entry: RemoteFile) -> None:
        old = self._path(entry.name)
        new = old + IMPORTED_SUFFIX
        try:
            self.sftp.posix_rename(old, new)  # replaces an older <name>.imported
        except OSError:
            self.sftp.rename(old, new)


@contextmanager
def sftp_session(source: SourceConfig) -> Iterator[SftpLocation]:
    import paramiko

    address = SftpAddress.parse(source.location)
    password = None
    if source.password_env:
        password = os.environ.get(source.password_env)
        if password is None:
            raise PullError(
                f"environment variable {source.password_env} (password_env of source "
                f"{source.name!r}) is not set"
            )
    if password is None and not source.key_file:
        raise PullError(f"source {source.name!r}: set password_env or key_file for {address}")
    client = paramiko.SSHClient()
    try:
        if source.known_hosts:
            known_hosts = Path(source.known_hosts).expanduser()
            if not known_hosts.is_file():
                raise PullError(f"known_hosts file {known_hosts} not found")
            client.load_host_keys(str(known_hosts))
        else:
            client.load_system_host_keys()
        # Unknown host keys are refused: never trust a server on first sight.
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(
            address.host,
            port=address.port,
            username=address.user,
            password=password,
            key_filename=str(Path(source.key_file).expanduser()) if source.key_file else None,
            timeout=SFTP_TIMEOUT_SECONDS,
            banner_timeout=SFTP_TIMEOUT_SECONDS,
            auth_timeout=SFTP_TIMEOUT_SECONDS,
            allow_agent=False,
            look_for_keys=False,
        )
        transport = client.get_transport()
        if transport is not None:
            transport.set_keepalive(30)
        sftp = client.open_sftp()
        sftp.get_channel().settimeout(SFTP_TIMEOUT_SECONDS * 3)  # type: ignore[union-attr]
        try:
            yield SftpLocation(source, sftp, address)
        finally:
            sftp.close()
    finally:
        client.close()
