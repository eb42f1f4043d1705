"""``[[sources]]``: watched folders and SFTP directories pulled on a schedule, and schedules."""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from corp_carbon.config.sections import Section

_EVERY = re.compile(r"^every\s+(\d+)\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def interval_seconds(schedule: str) -> int | None:
    """Seconds of an "every 15m" / "every 1h" schedule; None when it is not of that form."""
    match = _EVERY.match(schedule.strip().lower())
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def check_schedule(schedule: str) -> str:
    """A schedule is "" (not scheduled), "every <n>s|m|h|d", or a 5-field cron expression (UTC)."""
    text = schedule.strip()
    if not text:
        return ""
    seconds = interval_seconds(text)
    if seconds is not None:
        if seconds <= 0:
            raise ValueError(f"{schedule!r}: the interval must be at least 1 second")
        return text
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as exc:
        raise ValueError(
            f"{schedule!r} is neither a cron expression (minute hour day month weekday) "
            f"nor 'every <n>m' / 'every <n>h' ({exc})"
        ) from None
    return text


class SourceConfig(Section):
    """One ``[[sources]]`` entry: a watched folder or SFTP directory pulled on a schedule."""

    name: str = Field(min_length=1, max_length=120)
    #: a connector name from connectors.REGISTRY (navan, concur-sae, generic-csv, ...).
    connector: str = Field(min_length=1)
    #: a local folder, or sftp://user@host:port/path.
    location: str = Field(min_length=1)
    #: cron expression (UTC), "every 15m" / "every 1h", or "" = pulled only on demand.
    schedule: str = ""
    #: "move": processed files go to processed/ (folder) or are renamed <name>.imported (SFTP);
    #: "remember": files stay, and content already imported is recognised by its SHA-256.
    after: Literal["move", "remember"] = "move"
    #: glob of the file names to pull.
    pattern: str = "*"
    #: a file modified less than this many seconds ago may still be being written: next time.
    settle_seconds: int = Field(default=5, ge=0, le=86400)
    #: column mapping (generic-csv).
    mapping: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    #: SFTP: name of the environment variable holding the password.
    password_env: str = ""
    #: SFTP: private key file (instead of, or besides, a password).
    key_file: str = ""
    #: SFTP: known_hosts file the server's host key is checked against; "" = ~/.ssh/known_hosts.
    known_hosts: str = ""

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, value: str) -> str:
        return check_schedule(value)

    @field_validator("location")
    @classmethod
    def _valid_location(cls, value: str) -> str:
        if value.startswith("sftp:"):
            parts = urlsplit(value)
            if not parts.hostname or not parts.username:
                raise ValueError(f"{value!r}: write sftp://user@host[:port]/path")
            try:
                parts.port  # noqa: B018 - raises on a bad port
            except ValueError:
                raise ValueError(f"{value!r}: the port is not a number") from None
        elif "://" in value:
            raise ValueError(f"{value!r}: a folder path or sftp://user@host[:port]/path")
        return value

    @property
    def is_sftp(self) -> bool:
        return self.location.startswith("sftp:")
