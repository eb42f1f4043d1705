"""Assembles corp-carbon's routes into one blueprint, mountable at any URL prefix."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from corp_carbon.domain.vocabulary import Role, label
from corp_carbon.resources import static_dir, templates_dir
from corp_carbon.web import (
    csrf,
    errors,
    openapi,
    params,
    request_log,
    views_admin_audit,  # audit log and API tokens admin: /admin/audit
    views_admin_imports,  # imports desk
    views_admin_redemptions,
    views_admin_tokens,  # audit log and API tokens admin: /admin/tokens
    views_api_activities,  # /api/v1/me/activities
    views_api_audit,  # audit log and API tokens admin: /api/v1/audit
    views_api_estimates,
    views_api_imports,  # /api/v1/imports
    views_api_me,
    views_api_rewards,
    views_auth,
    views_compare,
    views_dev_login,
    views_health,
    views_ledger,
    views_pages,
    views_rewards,
    views_scim,  # /scim/v2 (SCIM provisioning)
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
    bp.add_app_template_filter(label, "label")
    request_log.register(bp)
    csrf.register(bp)
    errors.register(bp)
    for module in (
        views_health,
        views_auth,
        views_dev_login,
        views_pages,
        views_ledger,
        views_compare,
        openapi,
        views_admin_redemptions,
        views_api_estimates,
        views_api_me,
        views_rewards,
        views_api_rewards,
        # imports and activities API
        views_api_activities,
        views_api_imports,
        views_admin_imports,
        # SCIM provisioning
        views_scim,
        # audit log and API tokens admin
        views_admin_audit,
        views_admin_tokens,
        views_api_audit,
    ):
        module.register(bp)
    return bp


def _page_context() -> dict[str, Any]:
    state = carbon()
    return {
        "carbon_settings": state.settings,
        "dev_login_enabled": state.settings.dev_login.enabled,
        "current_employee": current_employee,
        "Role": Role,
    }
