"""Assembles corp-carbon's routes into one blueprint, mountable at any URL prefix."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from corp_carbon.domain.vocabulary import Role, class_label, label
from corp_carbon.resources import static_dir, templates_dir
from corp_carbon.web import (
    admin,
    api,
    auth,
    csrf,
    errors,
    health,
    i18n,
    navigation,
    pages,
    params,
    rate_limits,
    request_log,
    scim,
    security_headers,
)
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
    bp.add_app_template_filter(_label, "label")
    bp.add_app_template_filter(_travel_class, "travel_class")
    i18n.register(bp)
    navigation.register(bp)
    request_log.register(bp)
    csrf.register(bp)
    errors.register(bp)
    security_headers.register(bp)
    rate_limits.register(bp)
    for module in (health, *auth.MODULES, *pages.MODULES, *admin.MODULES, *api.MODULES, scim):
        module.register(bp)
    return bp


def _label(value: object) -> str:
    """A vocabulary value in words, in the page's language."""
    return i18n.gettext(label(value))


def _travel_class(trip: Any) -> str:
    """A trip's class of travel in words for its mode ("First" flight, "First class" train)."""
    words = class_label(trip.mode, trip.cabin)
    return i18n.gettext(words) if words else ""


def _page_context() -> dict[str, Any]:
    state = carbon()
    return {
        "carbon_settings": state.settings,
        "dev_login_enabled": state.settings.dev_login.enabled,
        "current_employee": current_employee,
        "Role": Role,
    }
