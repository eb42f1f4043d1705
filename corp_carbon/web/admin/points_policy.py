"""The methodology page's "Points policy" section: simulating a policy on a past period.

The current policy, alone or beside an uploaded policy file, over the stored trips of a
period: what it would issue, to whom and at what cost per tonne. Nothing is written.
"""

from __future__ import annotations

import os
from datetime import date

from flask import Blueprint, request

from corp_carbon.domain.dates import parse_day
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.methodology_form import form_values
from corp_carbon.services.scoring.methodology_desk import methodology_desk
from corp_carbon.services.scoring.simulation import (
    PolicyChoice,
    policy_from_upload,
    simulate_policies,
)
from corp_carbon.web.access import roles_required
from corp_carbon.web.admin.methodology import METHODOLOGY_ROLES, _render
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon

#: a policy file is a few kilobytes; anything much larger is not one.
MAX_POLICY_BYTES = 256 * 1024
#: longer periods take long to score again on every request.
MAX_DAYS = 3 * 366
FIELDS = ("simulate_from", "simulate_to")


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/admin/methodology/simulate",
        view_func=simulate_policy,
        endpoint="admin_methodology_simulate",
        methods=["POST"],
    )


@roles_required(*METHODOLOGY_ROLES)
def simulate_policy() -> tuple[str, int] | str:
    """200: the current policy (and the uploaded one beside it) over the posted period;
    400: a field is wrong (each named, values kept, nothing simulated)."""
    settings = carbon().settings
    desk = methodology_desk(carbon().uow(), settings)
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    first = _day("simulate_from", values, errors)
    last = _day("simulate_to", values, errors)
    if first and last and first > last:
        errors["simulate_to"] = gettext("To: the last day must not be before the first day.")
    elif first and last and (last - first).days >= MAX_DAYS:
        errors["simulate_to"] = gettext("To: a period of at most three years, please.")
    compared = _uploaded_policy(errors)
    page_values = form_values(desk.current.methodology)
    if errors or first is None or last is None:
        page = _render(desk, page_values, simulation_values=values, simulation_errors=errors)
        return page, 400
    choices = [None] if compared is None else [None, compared]
    results = simulate_policies(carbon().uow(), settings, first, last, choices)
    return _render(desk, page_values, simulation=results, simulation_values=values)


def _day(name: str, values: dict[str, str], errors: dict[str, str]) -> date | None:
    what = gettext("From") if name == "simulate_from" else gettext("To")
    if not values[name]:
        errors[name] = gettext("%(field)s: please give a day.", field=what)
        return None
    try:
        return parse_day(name, values[name])
    except DomainError:
        errors[name] = gettext("%(field)s: not a date (YYYY-MM-DD).", field=what)
        return None


def _uploaded_policy(errors: dict[str, str]) -> PolicyChoice | None:
    """The uploaded policy file, if any; a bad one is an error naming the file and entry."""
    upload = request.files.get("simulate_policy")
    if upload is None or not upload.filename:
        return None
    name = os.path.basename(upload.filename.replace("\\", "/"))
    content = upload.stream.read(MAX_POLICY_BYTES + 1)
    if len(content) > MAX_POLICY_BYTES:
        errors["simulate_policy"] = gettext(
            "Policy file %(name)s: larger than %(kb)s KB; a policy file is a few KB.",
            name=name, kb=MAX_POLICY_BYTES // 1024,
        )  # fmt: skip
        return None
    try:
        return policy_from_upload(name, content)
    except DomainError as exc:
        errors["simulate_policy"] = gettext("Policy file: %(problem)s", problem=exc.message)
        return None
