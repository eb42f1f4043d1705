"""The rewards catalogue as HR manages it: list, add, edit, retire and offer again.

For HR and administrators. Each change goes through the catalogue services, which write it
to the audit log. The catalogue shows no individual's records (only counts of redemptions),
so opening it is not itself audited; the redemption desk is.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import Conflict, DomainError
from corp_carbon.domain.reward_catalogue import CatalogueState, last_day
from corp_carbon.services.rewards import catalogue, images, queries
from corp_carbon.services.rewards.views import RewardView
from corp_carbon.web import params
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.admin.redemptions import HR_ROLES
from corp_carbon.web.admin.reward_form import (
    FIELDS,
    field_of,
    read_form,
    stock_seen,
    values_of,
)
from corp_carbon.web.i18n import gettext, ngettext
from corp_carbon.web.state import carbon

MB = 1024 * 1024
#: room for the form's text fields besides the picture.
FORM_BYTES = 256 * 1024
_UPLOADING = ("admin_reward_new", "admin_reward_edit")
#: problems are listed in the order of the form's fields (one about the whole form first).
_ORDER = {name: position for position, name in enumerate(FIELDS)}


def register(bp: Blueprint) -> None:
    bp.url_value_preprocessor(_limit_upload)
    bp.add_app_template_filter(last_day, "last_day")
    bp.add_url_rule("/admin/rewards", view_func=catalogue_page, endpoint="admin_rewards")
    # one rule per address for both methods: an id out of range is then a 404 for each
    bp.add_url_rule(
        "/admin/rewards/new",
        view_func=new_reward,
        endpoint="admin_reward_new",
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/admin/rewards/<id:reward_id>",
        view_func=edit_reward,
        endpoint="admin_reward_edit",
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/admin/rewards/<id:reward_id>/<any(retire, unretire):action>",
        view_func=offer,
        endpoint="admin_reward_offer",
        methods=["POST"],
    )


@roles_required(*HR_ROLES)
def catalogue_page() -> str:
    """200: every reward with where it stands; ``?show=`` one state (active, scheduled, ended,
    retired); 400 naming ``show`` when it is none of them."""
    raw = request.args.get("show", "").strip()
    try:
        show = CatalogueState(raw) if raw else None
    except ValueError:
        raise DomainError(
            f"show {raw!r}: accepted: {', '.join(s.value for s in CatalogueState)}"
        ) from None
    with carbon().uow() as uow:
        items = queries.catalogue_for_hr(uow.session)
    counts = {state: sum(1 for i in items if i.state is state) for state in CatalogueState}
    return render_template(
        "carbon/admin/rewards.html",
        items=[i for i in items if show is None or i.state is show],
        total=len(items),
        counts=counts,
        show=show,
        states=list(CatalogueState),
    )


@roles_required(*HR_ROLES)
def new_reward() -> Response | str | tuple[str, int]:
    """GET 200: an empty form for a new reward or donation. POST: 302 to the catalogue when
    added; 400 (409 for a name in use) with the form as typed and each problem beside its
    field."""
    if request.method == "GET":
        return _form(None, values_of(None))
    problems: dict[str, str] = {}
    uploaded = _uploaded_image(problems)
    spec, found = read_form(request.form, current=None, image_file=uploaded)
    problems = {**found, **problems}
    if spec is not None and not problems:
        try:
            added = catalogue.add_reward(carbon().uow(), current_actor(), **vars(spec))
        except DomainError as exc:
            return _refused(None, exc, uploaded)
        flash(gettext("Added %(name)s to the catalogue.", name=repr(added.name)))
        return redirect(url_for("carbon.admin_rewards"))
    return _form(None, request.form.to_dict(), problems, uploaded=uploaded), 400


@roles_required(*HR_ROLES)
def edit_reward(reward_id: int) -> Response | str | tuple[str, int]:
    """GET 200: the reward's form. POST: 302 to the catalogue when saved; 400 (409: name in
    use, or the stock changed meanwhile) with the form as typed. 404 for no such reward."""
    current = _reward(reward_id)
    if request.method == "GET":
        return _form(current, values_of(current))
    problems: dict[str, str] = {}
    uploaded = _uploaded_image(problems)
    remove = params.form_flag("remove picture", request.form.get("remove_image"))
    keep = uploaded or (None if remove else current.image_file)
    spec, found = read_form(request.form, current=current, image_file=keep)
    problems = {**found, **problems}
    if spec is None or problems:
        return _form(current, request.form.to_dict(), problems, uploaded=uploaded), 400
    try:
        edited = catalogue.edit_reward(
            carbon().uow(),
            current_actor(),
            reward_id,
            spec,
            stock_seen=stock_seen(request.form),
        )
    except DomainError as exc:
        return _refused(_reward(reward_id), exc, uploaded)
    name = repr(edited.reward.name)
    if edited.changed:
        flash(gettext("Saved %(name)s. New redemptions cost what it costs now.", name=name))
    else:
        flash(gettext("Nothing changed in %(name)s.", name=name))
    return redirect(url_for("carbon.admin_rewards"))


@roles_required(*HR_ROLES)
def offer(reward_id: int, action: str) -> Response:
    """302 to the catalogue, saying what happened and how many redemptions are still open."""
    uow, actor = carbon().uow(), current_actor()
    try:
        if action == "retire":
            done = catalogue.retire_reward(uow, actor, reward_id)
        else:
            done = catalogue.unretire_reward(uow, actor, reward_id)
    except DomainError as exc:
        flash(gettext("Reward %(id)s: %(why)s", id=reward_id, why=exc.message), "error")
        return redirect(url_for("carbon.admin_rewards"))
    name, waiting = repr(done.reward.name), done.open_redemptions
    if not done.changed and action == "retire":
        flash(gettext("%(name)s was already retired.", name=name))
    elif not done.changed:
        flash(gettext("%(name)s was already offered.", name=name))
    elif action == "retire":
        retired = gettext("Retired %(name)s: employees no longer see it.", name=name)
        if waiting:
            retired += " " + ngettext(
                "%(count)s of its redemption is still open: approve, reject or hand them over at "
                "the redemption desk as before.",
                "%(count)s of its redemptions are still open: approve, reject or hand them over "
                "at the redemption desk as before.",
                waiting, count=format(waiting, ","),
            )  # fmt: skip
        flash(retired)
    else:
        flash(gettext("%(name)s is offered again (within its dates).", name=name))
    return redirect(url_for("carbon.admin_rewards"))


# --- helpers --------------------------------------------------------------------------------


def _reward(reward_id: int) -> RewardView:
    with carbon().uow() as uow:
        return queries.get_reward(uow.session, reward_id)  # NotFound -> 404


def _uploaded_image(problems: dict[str, str]) -> str | None:
    """The picture this form brings: a new upload (checked and stored now), or one uploaded
    with an earlier attempt of the same form that had other problems."""
    settings = carbon().settings
    folder = settings.reward_images_dir
    upload = request.files.get("image")
    if upload is not None and upload.filename:
        limit = settings.rewards.max_image_mb * MB
        try:
            return images.store_image(folder, upload.stream.read(limit + 1), max_bytes=limit)
        except DomainError as exc:
            field, reason = field_of(exc.message)
            problems[field or "image"] = reason
            return None
    earlier = request.form.get("uploaded_image", "").strip()
    return earlier if earlier and images.image_path(folder, earlier) else None


def _refused(reward: RewardView | None, exc: DomainError, uploaded: str | None) -> tuple[str, int]:
    field, reason = field_of(exc.message)
    values = request.form.to_dict()
    if field == "stock" and isinstance(exc, Conflict) and reward is not None:
        values["stock_seen"] = "" if reward.stock is None else str(reward.stock)
    problems = {field: reason} if field else {"form": reason}
    return _form(reward, values, problems, uploaded=uploaded), exc.http_status


def _form(
    reward: RewardView | None,
    values: dict[str, Any],
    problems: dict[str, str] | None = None,
    *,
    uploaded: str | None = None,
) -> str:
    if reward is not None:
        values.setdefault("stock_seen", "" if reward.stock is None else str(reward.stock))
    waiting = 0
    if reward is not None:
        with carbon().uow() as uow:
            waiting = queries.open_redemptions_of(uow.session, reward.id)
    listed = sorted((problems or {}).items(), key=lambda p: _ORDER.get(p[0], -1))
    return render_template(
        "carbon/admin/reward_form.html",
        reward=reward,
        values=values,
        problems=dict(listed),
        uploaded=uploaded,
        open_redemptions=waiting,
        max_image_mb=carbon().settings.rewards.max_image_mb,
    )


def _limit_upload(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Bounds the body of the form's POSTs before the CSRF check reads it: a picture up to
    ``[rewards] max_image_mb`` and the text besides (larger: 413 naming the limit)."""
    if request.method != "POST" or (endpoint or "").rpartition(".")[2] not in _UPLOADING:
        return
    limit_mb = carbon().settings.rewards.max_image_mb
    request.max_content_length = limit_mb * MB + FORM_BYTES
    declared = request.content_length
    if declared is not None and declared > request.max_content_length:
        raise RequestEntityTooLarge(
            f"image: the upload is {declared / MB:,.1f} MB; pictures of at most {limit_mb:,} MB "
            "are accepted (setting rewards.max_image_mb)"
        )
