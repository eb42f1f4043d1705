"""``[server]``: how ``corp-carbon serve`` runs gunicorn, and what it refuses to serve with."""

from __future__ import annotations

import os

from pydantic import Field, field_validator

from corp_carbon.config.sections import Section

#: shorter secrets are refused by ``corp-carbon serve``: 32 characters is what
#: ``secrets.token_hex(16)`` gives, and a word someone typed is never that long.
MIN_SECRET_LENGTH = 32


class ServerSection(Section):
    """gunicorn's settings for ``corp-carbon serve`` (sync workers; gunicorn's own names)."""

    #: addresses to listen on: "HOST:PORT", "[::1]:PORT" or "unix:/path/to.sock".
    bind: list[str] = Field(default_factory=lambda: ["127.0.0.1:8000"], min_length=1)
    #: worker processes; 0 = 2 x CPU cores + 1, gunicorn's advice for sync workers.
    workers: int = Field(default=0, ge=0, le=256)
    #: a worker silent this long (seconds) is killed and replaced: a request may take this long.
    timeout: int = Field(default=120, ge=1, le=3600)
    #: on SIGTERM or a restart, requests in flight get this long (seconds) to finish.
    graceful_timeout: int = Field(default=30, ge=1, le=3600)
    #: a worker is replaced after this many requests (plus up to max_requests_jitter, so the
    #: workers are not all replaced at once); 0 = never. A safety net against slow memory
    #: growth, not a routine: a new worker starts the app again and its first requests run
    #: cold, so at 1,000 a busy worker was replaced every 10 s and the p99 doubled.
    max_requests: int = Field(default=20_000, ge=0)
    max_requests_jitter: int = Field(default=2_000, ge=0)
    #: the load balancers or proxies trusted to say the request came over HTTPS
    #: (X-Forwarded-Proto): addresses or networks, or "*" for any.
    forwarded_allow_ips: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    #: one JSON object per request on stdout (gunicorn's access log), besides the app's log.
    access_log: bool = True

    @field_validator("bind", "forwarded_allow_ips", mode="before")
    @classmethod
    def _one_as_a_list(cls, value: object) -> object:
        """CORP_CARBON_SERVER_BIND=0.0.0.0:8000 means ["0.0.0.0:8000"]."""
        return [value] if isinstance(value, str) else value

    @field_validator("bind")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not address.startswith("unix:") and not address.rpartition(":")[2].isdigit():
                raise ValueError(
                    f"{address!r} is not an address: write HOST:PORT (0.0.0.0:8000, "
                    "[::]:8000) or unix:/path/to.sock"
                )
        return value

    def worker_count(self) -> int:
        """The configured number, or 2 x cores + 1 for the CPUs this process may use."""
        return self.workers or 2 * usable_cpus() + 1


def usable_cpus() -> int:
    """CPUs this process may run on (a container's or taskset's share, where the system says
    so), else os.cpu_count()."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
