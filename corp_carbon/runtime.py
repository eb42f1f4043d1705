"""One way from settings to a database engine, shared by the web app, the scheduler and the CLI.

Every process reads ``[database]`` the same way (echo, pool size, connect timeout), and a URL
SQLAlchemy cannot use, or a database that does not answer, ends in the same one-line
ConfigError that names the key and where its value came from.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from corp_carbon.config import ConfigError, Settings
from corp_carbon.db.session import check_connection, make_engine


def engine_for(settings: Settings) -> Engine:
    """The engine of ``[database]``, not yet connected."""
    try:
        return make_engine(
            settings.database_url,
            echo=settings.database.echo,
            pool_size=settings.database.pool_size,
            connect_timeout=settings.database.connect_timeout,
        )
    except (ArgumentError, ImportError, ValueError) as exc:
        raise ConfigError(
            f"[database] url: {exc} (in {settings.origin_of('database', 'url')})"
        ) from None


def connected_engine(settings: Settings) -> Engine:
    """The engine of ``[database]``, after one round trip to the database."""
    engine = engine_for(settings)
    try:
        check_connection(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        shown = engine.url.render_as_string(hide_password=True)
        raise ConfigError(
            f"[database] url: cannot connect to {shown}: {reason} "
            f"(in {settings.origin_of('database', 'url')})"
        ) from None
    return engine
