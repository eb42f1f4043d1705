"""Assembles corp-carbon's routes into one blueprint, mountable at any URL prefix."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from corp_carbon.domain.vocabulary import Role, label
from corp_carbon.resources import static_dir, templates_dir
from corp_carbon.web import admin, api, auth, csrf, errors, health, pages, params, request_log, scim
from corp_carbon.web.access import current_employee
from corp_carbon.web.state import carbon


def build_blueprint() -> Blueprint:
    bp = Blueprint(
        "carbon",
        __name__,
        static_folder=str(static_dir()),
        static_url_path="/static/carbon",
        template_folder=str(templates_dir()),
    )
    params.register(bp)  # first: the routes below use its `id` converter
    bp.app_context_processor(_page_context)
    bp.add_app_template_filter(label, "label")
    bp.record_once(_install_translations)
    request_log.register(bp)
    csrf.register(bp)
    errors.register(bp)
    for module in (health, *auth.MODULES, *pages.MODULES, *admin.MODULES, *api.MODULES, scim):
        module.register(bp)
    return bp


def _install_translations(setup: BlueprintSetupState) -> None:
    """Templates mark every word a person reads with ``_()``: until a catalogue is installed
    (or when the host app has none) the marked text is shown as written."""
    env = setup.app.jinja_env
    env.add_extension("jinja2.ext.i18n")
    if "gettext" not in env.globals:
        env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def _page_context() -> dict[str, Any]:
    state = carbon()
    return {
        "carbon_settings": state.settings,
        "dev_login_enabled": state.settings.dev_login.enabled,
        "current_employee": current_employee,
        "Role": Role,
    }
