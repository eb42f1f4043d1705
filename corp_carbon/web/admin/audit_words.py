"""The audit log's action and target codes in words, in the page's language.

The log stores stable codes ("token.create", "api_token") that filters and exports rely on;
people read what happened. An action some later change adds without words here reads as its
kind ("Employee: other action") rather than as a code, and tests/web/test_audit_words.py
names the known actions that lack words.
"""

from __future__ import annotations

from collections.abc import Callable

from corp_carbon.web.i18n import gettext

ACTIONS: dict[str, Callable[[], str]] = {
    "audit.export": lambda: gettext("Exported the audit log"),
    "audit.view": lambda: gettext("Looked at the audit log"),
    "auth.login": lambda: gettext("Signed in"),
    "auth.login_refused": lambda: gettext("Sign-in refused"),
    "auth.logout": lambda: gettext("Signed out"),
    "employee.create": lambda: gettext("Added an employee"),
    "employee.deactivate": lambda: gettext("Deactivated an employee"),
    "employee.erase": lambda: gettext("Erased an employee's personal data"),
    "employee.erasure_confirm": lambda: gettext("Confirmed the erasure of an employee's data"),
    "employee.erasure_request": lambda: gettext("Asked to erase an employee's data"),
    "employee.grade": lambda: gettext("Changed an employee's travel-policy grade"),
    "employee.provision": lambda: gettext("Employee created at first sign-in"),
    "employee.reactivate": lambda: gettext("Reactivated an employee"),
    "employee.roles": lambda: gettext("Changed an employee's roles"),
    "employee.scim_create": lambda: gettext("Employee created by the directory (SCIM)"),
    "employee.scim_delete": lambda: gettext("Employee removed by the directory (SCIM)"),
    "employee.scim_restore": lambda: gettext("Employee restored by the directory (SCIM)"),
    "employee.scim_update": lambda: gettext("Employee updated by the directory (SCIM)"),
    "employee.sso_link": lambda: gettext("Linked an employee to their company sign-in"),
    "employee.sso_update": lambda: gettext("Employee details updated at sign-in"),
    "employee.view": lambda: gettext("Looked at an employee's record"),
    "erasures.view_queue": lambda: gettext("Looked at the erasure requests"),
    "imports.view_run": lambda: gettext("Looked at an import run"),
    "ledger.adjust": lambda: gettext("Adjusted a points balance"),
    "ledger.view_adjustment_requests": lambda: gettext(
        "Looked at adjustments waiting for a second person"
    ),
    "ledger.adjust_rejected": lambda: gettext("Rejected a large adjustment as second person"),
    "ledger.adjust_requested": lambda: gettext(
        "Asked for a large adjustment (a second person approves)"
    ),
    "methodology.version": lambda: gettext("Published a methodology version"),
    "redemption.approve": lambda: gettext("Approved a redemption"),
    "redemption.cancel": lambda: gettext("Cancelled a redemption"),
    "redemption.fulfil": lambda: gettext("Fulfilled a redemption"),
    "redemption.reject": lambda: gettext("Rejected a redemption"),
    "redemption.request": lambda: gettext("Requested a reward"),
    "redemption.view": lambda: gettext("Looked at a redemption"),
    "redemptions.view_desk": lambda: gettext("Looked at the redemption desk"),
    "report.downloaded": lambda: gettext("Downloaded a report"),
    "report.requested": lambda: gettext("Requested a report"),
    "reward.add": lambda: gettext("Added a reward"),
    "reward.edit": lambda: gettext("Edited a reward"),
    "reward.retire": lambda: gettext("Retired a reward"),
    "reward.unretire": lambda: gettext("Brought a reward back"),
    "rewards.import": lambda: gettext("Imported rewards"),
    "token.create": lambda: gettext("Created an API token"),
    "token.revoke": lambda: gettext("Revoked an API token"),
    "token.view_list": lambda: gettext("Looked at the API tokens"),
}

TARGETS: dict[str, Callable[[], str]] = {
    "api_token": lambda: gettext("API token"),
    "audit_log": lambda: gettext("Audit log"),
    "employee": lambda: gettext("Employee"),
    "import_run": lambda: gettext("Import run"),
    "methodology": lambda: gettext("Methodology"),
    "redemption": lambda: gettext("Redemption"),
    "report": lambda: gettext("Report"),
    "reward": lambda: gettext("Reward"),
}


def action_words(code: str) -> str:
    """What an action code means ("token.create" → "Created an API token")."""
    words = ACTIONS.get(code)
    if words is not None:
        return words()
    kind = TARGETS.get(code.split(".", 1)[0].rstrip("s"))
    if kind is not None:
        return gettext("%(kind)s: other action", kind=kind())
    return gettext("Other action")


def target_words(code: str) -> str:
    """What a target type is called ("api_token" → "API token")."""
    words = TARGETS.get(code)
    return words() if words is not None else gettext("Other record")
