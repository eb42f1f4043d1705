"""The connector protocol: identify a file, extract records and row problems.

Connectors are pure readers: no database, no config loading. The import pipeline gives each
one its options, asks ``identify`` whether a file fits, and streams ``extract``. A connector
that meets a bad value yields a ``RowProblem`` naming the row and field and carries on; only a
file that cannot be read at all raises ``UnreadableFile``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from connectors.reading import XlsxGuard
from corp_carbon.domain.bookings import FileHead, Record
from corp_carbon.domain.vocabulary import Cabin


@dataclass(frozen=True)
class ConnectorOptions:
    """What a connector may be configured with (per source)."""

    #: column mapping (generic-csv) or other connector-specific settings, as configured.
    mapping: Mapping[str, Any] = field(default_factory=dict)
    #: applied, and flagged, when a flight has no cabin class.
    default_cabin: Cabin = Cabin.ECONOMY
    xlsx_guard: XlsxGuard = field(default_factory=XlsxGuard)
    #: anything else a connector needs from the service (e.g. a currency-rate table).
    extra: Mapping[str, Any] = field(default_factory=dict)


class Connector(ABC):
    #: the name used on the command line, in the config and in the API.
    name: ClassVar[str]
    #: what the connector reads, in a few words (shown in lists and messages).
    title: ClassVar[str]

    def __init__(self, options: ConnectorOptions | None = None) -> None:
        self.options = options or ConnectorOptions()

    def check_options(self) -> None:
        """Raises ``UnreadableFile`` naming the setting when the options cannot be used (a
        source's configuration), before any file is read. Most connectors have none."""
        return

    def columns_read(self) -> Mapping[str, str]:
        """Our field (of a segment, booking, traveller or commute answer) -> the file's column
        it is read from: a value the pipeline cannot store is reported under that column."""
        return {}

    @abstractmethod
    def identify(self, head: FileHead) -> bool:
        """True when the file looks like this connector's format."""

    @abstractmethod
    def expected(self) -> str:
        """What this connector expects, for the message when a file does not fit, e.g.
        "a CSV with the columns TripId, SegmentType, LegId, StartCityCode"."""

    @abstractmethod
    def extract(self, path: Path) -> Iterator[Record]:
        """Bookings (or commute responses) and row problems, in file order, streamed."""
