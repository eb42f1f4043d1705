"""A file before its import: its fingerprint, the connector's options, whether it fits."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connectors import REGISTRY, ConnectorOptions, connector_class
from connectors.reading import UnreadableFile, XlsxGuard, head_of
from corp_carbon.config import Settings
from corp_carbon.domain.vocabulary import Cabin
from corp_carbon.filehash import FileDigest, file_digest
from corp_carbon.services.imports.values import ImportRequest


def connector_options(settings: Settings, mapping: Mapping[str, Any] | None) -> ConnectorOptions:
    mb = 1024 * 1024
    return ConnectorOptions(
        mapping=dict(mapping or {}),
        default_cabin=Cabin(settings.imports.default_cabin),
        xlsx_guard=XlsxGuard(
            max_uncompressed_bytes=settings.imports.xlsx_max_uncompressed_mb * mb,
            max_ratio=settings.imports.xlsx_max_ratio,
            max_shared_strings=settings.imports.xlsx_max_shared_strings,
        ),
    )


def fingerprint(path: Path) -> FileDigest:
    """SHA-256, size and line count of a file, in one pass; ``UnreadableFile`` names the file
    that cannot be read, for the run's report."""
    try:
        return file_digest(path)
    except OSError as exc:
        raise UnreadableFile(f"{path.name}: cannot be read ({exc.strerror})") from None


def check_fit(request: ImportRequest, options: ConnectorOptions) -> None:
    """A file for another connector gets one message naming the connector that fits."""
    cls = connector_class(request.connector)
    try:
        cls(options).check_options()
    except UnreadableFile as exc:
        source = request.source or request.connector
        raise UnreadableFile(f"the configuration of source {source!r}: {exc}") from None
    head = head_of(request.path, options.xlsx_guard)
    head = type(head)(name=request.file_name, text=head.text, header=head.header)
    if cls(options).identify(head):
        return
    fits = []
    for name in REGISTRY:
        if name in (request.connector, "generic-csv"):
            continue
        if connector_class(name)(options).identify(head):
            fits.append(name)
    hint = f"; it looks like a {fits[0]} export: use --connector {fits[0]}" if fits else ""
    raise UnreadableFile(
        f"{request.file_name} does not look like a {request.connector} file "
        f"(expected {cls(options).expected()}){hint}"
    )
