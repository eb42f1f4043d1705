"""One way from settings to a database engine, shared by the web app, the scheduler and the CLI.

Every process reads ``[database]`` the same way (echo, pool size, connect timeout, prepared
statements), and a URL SQLAlchemy cannot use, or a database that does not answer, ends in the
same one-line ConfigError that names the key and where its value came from.
"""

from __future__ import annotations

import gc

from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from corp_carbon.config import ConfigError, Settings
from corp_carbon.db.session import check_connection, make_engine


def engine_for(settings: Settings, key: str = "url") -> Engine:
    """The engine of ``[database] url`` (or of ``report_url``: ``key``), not yet connected."""
    try:
        return make_engine(
            _url(settings, key),
            echo=settings.database.echo,
            pool_size=settings.database.pool_size,
            connect_timeout=settings.database.connect_timeout,
            prepared_statements=settings.database.prepared_statements,
        )
    except (ArgumentError, ImportError, ValueError) as exc:
        raise ConfigError(
            f"[database] {key}: {exc} (in {settings.origin_of('database', key)})"
        ) from None


def connected_engine(settings: Settings, key: str = "url") -> Engine:
    """The engine of ``[database] url`` (or ``report_url``), after one round trip to it."""
    engine = engine_for(settings, key)
    try:
        check_connection(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        shown = engine.url.render_as_string(hide_password=True)
        raise ConfigError(
            f"[database] {key}: cannot connect to {shown}: {reason} "
            f"(in {settings.origin_of('database', key)})"
        ) from None
    return engine


def report_engine(settings: Settings, main: Engine) -> Engine:
    """The engine reports read from: ``[database] report_url`` connected, or ``main``."""
    if not settings.database.report_url:
        return main
    return connected_engine(settings, "report_url")


def _url(settings: Settings, key: str) -> str:
    return settings.database.report_url if key == "report_url" else settings.database_url


def freeze_start_up_heap() -> None:
    """Move every object alive now out of the cyclic garbage collector's reach, once.

    Called by a web worker after ``create_app``: the modules, the app, its templates and its
    configuration live as long as the worker. Unfrozen, each full collection walked about
    230,000 of them (about 90 ms) every twenty or so requests of the activities API, which was
    the p99 of the busiest pages under load (``benchmarks/bench_web.py``). What a request makes
    afterwards is collected as before.
    """
    gc.collect()
    gc.freeze()
