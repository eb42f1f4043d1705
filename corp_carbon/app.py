"""Composition root: builds settings, engine, blueprint and CLI into a Flask app.

``create_app`` makes the standalone service; ``init_app`` mounts corp-carbon into a host
Flask application that has its own routes, config and database setup.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask

from corp_carbon.config import Settings, check_startup, load_settings
from corp_carbon.db.session import make_session_factory
from corp_carbon.logging_setup import configure_logging
from corp_carbon.runtime import connected_engine, report_engine
from corp_carbon.services.scoring import methodology
from corp_carbon.web import errors, rate_limits
from corp_carbon.web.auth import sso
from corp_carbon.web.blueprint import build_blueprint
from corp_carbon.web.state import EXTENSION_KEY, CarbonState

ConfigSource = Settings | Mapping[str, Any] | str | os.PathLike[str] | None
DEFAULT_PLUGIN_PREFIX = "/carbon"
LOGGING_CONFIGURED = "corp_carbon_logging"

log = logging.getLogger("corp_carbon")


def create_app(config: ConfigSource = None) -> Flask:
    """The standalone service. ``config``: Settings, a mapping shaped like the TOML, or a path."""
    settings = load_settings(config)
    check_startup(settings)
    configure_logging(settings, own_root=True)
    app = Flask("corp_carbon", instance_path=str(settings.instance_dir), static_folder=None)
    app.extensions[LOGGING_CONFIGURED] = True
    register_session(app, settings)
    init_app(app, settings, url_prefix=settings.app.url_prefix)
    errors.register(app)
    return app


def init_app(app: Flask, config: ConfigSource = None, *, url_prefix: str | None = None) -> Flask:
    """Mounts corp-carbon into ``app`` under ``url_prefix``.

    The prefix defaults to ``[app] url_prefix``, or /carbon when that is empty.

    The host keeps its own routes, session cookie settings, error pages and database.
    """
    settings = load_settings(config)
    if not app.secret_key:
        if settings.app.secret_key:
            app.secret_key = settings.app.secret_key
        else:
            check_startup(settings)  # refuses production without a key
            app.secret_key = secrets.token_hex(32)
    elif settings.is_production and settings.dev_login.enabled:
        check_startup(settings)
    if not app.extensions.get(LOGGING_CONFIGURED):
        configure_logging(settings, own_root=False)
        app.extensions[LOGGING_CONFIGURED] = True
    methodology.validate(settings)
    engine = connected_engine(settings)
    reports = report_engine(settings, engine)
    app.extensions[EXTENSION_KEY] = CarbonState(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        report_engine=reports,
        report_session_factory=make_session_factory(reports),
    )
    prefix = (
        url_prefix if url_prefix is not None else (settings.app.url_prefix or DEFAULT_PLUGIN_PREFIX)
    )
    app.register_blueprint(build_blueprint(), url_prefix=prefix.rstrip("/") or None)
    rate_limits.install(app, settings)
    # --- company SSO: the OpenID Connect client, only when [sso] server_metadata_url is set
    sso.init_app(app, settings)
    # --- end company SSO
    if settings.dev_login.enabled:
        log.warning("development login is ENABLED: anyone can sign in as anyone")
    return app


def register_session(app: Flask, settings: Settings) -> None:
    """Cookie settings of the standalone service (in plugin mode the host decides them)."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session.cookie_secure,
        SESSION_COOKIE_NAME="corp_carbon_session",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session.lifetime_minutes),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
    )
