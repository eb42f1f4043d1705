"""gunicorn run from corp-carbon's settings: the options, the application, a JSON access log.

Imported only by ``corp-carbon serve``, and only once gunicorn is known to be installed
(the ``production`` extra).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.config import Config
from gunicorn.glogging import Logger

from corp_carbon.config import Settings
from corp_carbon.logging_setup import formatter


def options(settings: Settings, binds: list[str], workers: int | None) -> dict[str, Any]:
    """gunicorn's settings (its own names) from ``[server]``; ``binds`` and ``workers`` from
    the command line win."""
    server = settings.server
    chosen: dict[str, Any] = {
        "bind": binds or list(server.bind),
        "workers": workers or server.worker_count(),
        "worker_class": "sync",
        "timeout": server.timeout,
        "graceful_timeout": server.graceful_timeout,
        "max_requests": server.max_requests,
        "max_requests_jitter": server.max_requests_jitter,
        "forwarded_allow_ips": ",".join(server.forwarded_allow_ips),
        "accesslog": "-" if server.access_log else None,
        "errorlog": "-",
        "loglevel": settings.logging.level.lower(),
        "logger_class": json_logger(settings),
        "proc_name": "corp-carbon",
        "worker_tmp_dir": heartbeat_dir(),
        # gunicorn 25's control socket is one path per user: two instances on a host would
        # take it from each other, and corp-carbon is stopped and scaled by its signals.
        "control_socket_disable": True,
    }
    return chosen


def heartbeat_dir() -> str | None:
    """Worker heartbeats on a memory file system, as gunicorn advises: a heartbeat file on a
    slow disk can block a worker long enough to have it killed."""
    # not a predictable temporary file: gunicorn makes its heartbeat files there with mkstemp
    shm = Path("/dev/shm")  # noqa: S108  # nosec B108
    return str(shm) if shm.is_dir() else None


class CarbonServer(BaseApplication):  # type: ignore[misc]
    """gunicorn's custom-application pattern: settings from corp-carbon, not gunicorn's CLI."""

    def __init__(self, settings: Settings, chosen: dict[str, Any]) -> None:
        self.settings = settings
        self.chosen = chosen
        super().__init__()

    def load_config(self) -> None:
        known = self.cfg.settings
        for name, value in self.chosen.items():
            if name in known:  # an older gunicorn lacks the newest settings (control socket)
                self.cfg.set(name, value)

    def load(self) -> Flask:
        """Runs in each worker: its own app, engine and connection pool, and the start-up
        heap frozen once (``runtime.freeze_start_up_heap``: the p99 of the busiest pages)."""
        from corp_carbon.app import create_app
        from corp_carbon.runtime import freeze_start_up_heap

        app = create_app(self.settings)
        freeze_start_up_heap()
        return app


def json_logger(settings: Settings) -> type[Logger]:
    """gunicorn's logger with the error log in ``[logging] format`` and the access log as one
    JSON object per request."""

    class JsonAccessLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: Config) -> None:
            super().setup(cfg)
            for handler in self.error_log.handlers:
                handler.setFormatter(formatter(settings))

        def access(
            self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
        ) -> None:
            if not self.cfg.accesslog:
                return
            self.access_log.info(json.dumps(access_record(resp, environ, request_time)))

    return JsonAccessLogger


def access_record(resp: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
    """One request as the access log keeps it. Never the query string (sign-in codes, page
    links people share) or any header that carries a credential; the referer without its
    query string either."""
    status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
    headers = {name.lower(): value for name, value in resp.headers}
    referer = environ.get("HTTP_REFERER")
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "logger": "gunicorn.access",
        "remote_addr": environ.get("REMOTE_ADDR"),
        "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "status": int(status),
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 1),
        "request_id": headers.get("x-request-id"),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "referer": referer.split("?", 1)[0].split("#", 1)[0] if referer else None,
    }
