"""The methodology page: the current version in words, its history, and changing it.

For sustainability officers and administrators. A change is previewed first (the last twelve
months scored again in memory, side by side with the current version; nothing written) and
then saved as a new version with a reason. Saving needs a preview of exactly the values sent:
a form changed after its preview is previewed again instead of saved.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import Conflict
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.methodology_changes import POLICY_ITEMS, changes
from corp_carbon.domain.methodology_form import (
    FIELDS,
    MULTI_FIELDS,
    InvalidProposal,
    form_values,
    read_proposal,
    read_reason,
)
from corp_carbon.domain.methodology_preview import Preview, last_twelve_months
from corp_carbon.domain.scoring.policy import behaviour_words
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.scoring.methodology_desk import (
    MethodologyDesk,
    methodology_desk,
    save_from_page,
)
from corp_carbon.services.scoring.methodology_preview import preview_change
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon

METHODOLOGY_ROLES = (Role.SUSTAINABILITY, Role.ADMIN)
PAGE = "carbon/admin/methodology.html"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/methodology", view_func=methodology_page, endpoint="admin_methodology")
    bp.add_url_rule(
        "/admin/methodology/change",
        view_func=change_methodology,
        endpoint="admin_methodology_change",
        methods=["POST"],
    )


@roles_required(*METHODOLOGY_ROLES)
def methodology_page() -> str:
    """200: the current version in words, the history, and the form to change it."""
    desk = methodology_desk(carbon().uow(), carbon().settings)
    values = form_values(desk.current.methodology)
    return _render(desk, values)


@roles_required(*METHODOLOGY_ROLES)
def change_methodology() -> Response | tuple[str, int] | str:
    """200: the preview of the posted values (or of changed values sent to be saved);
    302 to the page once saved; 400: a field is wrong (all named, values kept, nothing
    stored); 409: another version became current in between (nothing stored)."""
    settings = carbon().settings
    desk = methodology_desk(carbon().uow(), settings)
    current = desk.current.methodology
    values = _posted_values()
    try:
        proposed = read_proposal(values, current, desk.offer)
    except InvalidProposal as exc:
        return _render(desk, values, errors=exc.errors), 400
    notices = []
    based_on = _based_on()
    if based_on != current.version:
        notices.append(
            gettext(
                "Version %(current)s became current after you opened this form (you started "
                "from version %(started)s): the preview compares your values with version "
                "%(current)s.",
                current=current.version, started=based_on,
            )
        )  # fmt: skip
    fingerprint = _fingerprint(proposed, current.version)
    if request.form.get("action") == "save":
        if request.form.get("previewed") == fingerprint and based_on == current.version:
            try:
                reason = read_reason(values)
                stored = save_from_page(
                    carbon().uow(), settings, current_actor(), proposed, reason, based_on
                )
            except InvalidProposal as exc:
                preview = _preview(current, proposed)
                page = _render(desk, values, errors=exc.errors, preview=preview,
                               proposed=proposed, fingerprint=fingerprint)  # fmt: skip
                return page, 400
            except Conflict as exc:
                return _render(desk, values, errors={"form": exc.message}), 409
            flash(
                gettext(
                    "Version %(n)s saved: it applies to trips imported or assessed from now on. "
                    "Points already issued stay as they are.",
                    n=stored.version,
                )
            )
            return redirect(url_for("carbon.admin_methodology"))
        if based_on == current.version:
            notices.append(
                gettext("The form changed after its preview: check this preview, then save.")
            )
    preview = _preview(current, proposed)
    return _render(desk, values, preview=preview, proposed=proposed, fingerprint=fingerprint,
                   notices=notices)  # fmt: skip


def _preview(current: Methodology, proposed: Methodology) -> Preview:
    return preview_change(carbon().uow(), carbon().settings, current, proposed, _today())


def _render(
    desk: MethodologyDesk,
    values: dict[str, str | list[str]],
    *,
    errors: dict[str, str] | None = None,
    preview: Preview | None = None,
    proposed: Methodology | None = None,
    fingerprint: str = "",
    notices: list[str] | None = None,
    **extra: Any,
) -> str:
    """The page; ``extra``: what another section shows (the points-policy simulation)."""
    current = desk.current.methodology
    settings = carbon().settings
    date_from, date_to = last_twelve_months(_today())
    return render_template(
        PAGE,
        desk=desk,
        current=desk.current,
        values=values,
        errors=errors or {},
        preview=preview,
        proposed=proposed,
        proposed_changes=changes(current, proposed) if proposed is not None else [],
        fingerprint=fingerprint,
        notices=notices or [],
        policy_items=POLICY_ITEMS,
        period=(date_from, date_to),
        factor_sets=desk.catalogue.factor_sets,
        family_sets={
            family: sorted(
                (s for s in desk.catalogue.factor_sets.values() if s.id.startswith(family + "-")),
                key=lambda s: s.year,
            )
            for family in desk.offer.families
        },
        rate_cards=desk.catalogue.rate_cards,
        behaviour_words=behaviour_words,
        point_value=settings.rewards.point_value,
        point_currency=settings.rewards.point_currency,
        **{"simulation": None, "simulation_values": {}, "simulation_errors": {}, **extra},
    )


def _posted_values() -> dict[str, str | list[str]]:
    """The form's fields as typed (several values for the multi-choice fields)."""
    form = request.form
    return {
        name: form.getlist(name) if name in MULTI_FIELDS else form.get(name, "") for name in FIELDS
    }


def _based_on() -> int:
    raw = request.form.get("based_on", "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


def _fingerprint(proposed: Methodology, based_on: int) -> str:
    """Which values (and which current version) a preview showed: a save must match it."""
    text = json.dumps([based_on, proposed.parameters()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _today() -> date:
    return datetime.now(UTC).date()
