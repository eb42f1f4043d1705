"""Structured logs: one JSON object per line (or plain text), with request fields attached."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from corp_carbon.config import Settings

LOGGER_NAME = "corp_carbon"
_HANDLER_MARK = "_corp_carbon_handler"


def configure_logging(settings: Settings, *, own_root: bool) -> logging.Logger:
    """Give the corp_carbon logger a handler; in standalone mode also the root logger.

    In plugin mode the host owns the root logger, so only corp-carbon's logger is touched.
    """
    target = logging.getLogger() if own_root else logging.getLogger(LOGGER_NAME)
    for handler in list(target.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            target.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter(settings))
    target.addHandler(handler)
    target.setLevel(settings.logging.level)
    # Alembic announces its context at INFO on every health check; keep its warnings only.
    logging.getLogger("alembic").setLevel(
        max(logging.WARNING, logging.getLevelName(settings.logging.level))
    )
    driver = logging.getLogger("psycopg")
    if not any(isinstance(f, _LostConnection) for f in driver.filters):
        driver.addFilter(_LostConnection())
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(settings.logging.level)
    return logger


def formatter(settings: Settings) -> logging.Formatter:
    """``[logging] format``: one JSON object per line, or a human-readable line."""
    if settings.logging.format == "json":
        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


class _LostConnection(logging.Filter):
    """Drops psycopg's "error ignored terminating <Pipeline>: the connection is lost": the
    outage it repeats is logged once by whoever met it (``corp_carbon.services.outage``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error ignored terminating")
