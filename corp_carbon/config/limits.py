"""``[limits]``: rate limits on sign-in, failed token authentication, redemptions and uploads."""

from __future__ import annotations

from limits import parse_many
from pydantic import Field, field_validator

from corp_carbon.config.sections import Section


class LimitsSection(Section):
    """Each limit is one or more rates in Flask-Limiter's notation, "10 per minute; 100 per
    day"; a request beyond any of them gets 429 with Retry-After."""

    #: false turns every limit off (a load test, or limits kept at the reverse proxy).
    enabled: bool = True
    #: where the counts live: "memory://" counts per process; several instances share counts
    #: through "redis://host:6379" (pip install redis) or "memcached://host:11211".
    storage_uri: str = "memory://"
    #: proxies in front of corp-carbon that append to X-Forwarded-For (0: none; the address
    #: the connection comes from is the client's). Sign-in and failed tokens count per client.
    forwarded_for_proxies: int = Field(default=0, ge=0, le=5)
    #: sign-in attempts (/login, the SSO callback, the development login) per client address.
    sign_in: str = "30 per minute"
    #: bearer tokens refused (401) per client address; beyond it, every bearer request from
    #: that address gets 429 until the window passes, so guessing tokens is slow.
    token_failures: str = "20 per minute"  # noqa: S105 (a rate, not a secret)
    #: redemptions asked for per person (session or token).
    redemptions: str = "10 per minute; 100 per day"
    #: uploads per person: travel exports (page and API) and commute evidence photos.
    uploads: str = "60 per hour"

    @field_validator("sign_in", "token_failures", "redemptions", "uploads")
    @classmethod
    def _rates(cls, value: str) -> str:
        """A rate that does not parse stops the service at start, naming the key."""
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f'{value!r} is not a rate: write e.g. "10 per minute" or '
                '"10 per minute; 100 per day" (second, minute, hour, day, month, year)'
            ) from None
        return value
