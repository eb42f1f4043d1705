"""One way from settings to a database engine, shared by the web app, the scheduler and the CLI.

Every process reads ``[database]`` the same way (echo, pool size, connect timeout, prepared
statements), and a URL SQLAlchemy cannot use, or a database that does not answer, ends in the
same one-line ConfigError that names the key and where its value came from.
"""

from __future__ import annotations

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
