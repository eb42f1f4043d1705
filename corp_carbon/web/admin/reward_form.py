"""The reward form of the catalogue pages: what it shows, and reading what HR typed.

Every problem is kept against the field it concerns (the template puts the message beside
that field and in a summary at the top), and the form is shown again with the values as
typed. Text is parsed by the catalogue file's rules (``spec_from_row``), so the form and a
CSV import accept the same things. Days are whole days in UTC: "first day offered" is
stored as that day's midnight, "last day offered" as the midnight after it; a stored instant
that is not a midnight (set through the API) is kept as it is while its day is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime

from corp_carbon.domain.reward_catalogue import end_after, first_day, last_day, start_of
from corp_carbon.domain.rewards import RewardSpec, spec_from_row
from corp_carbon.services.rewards.views import RewardView
from corp_carbon.web.i18n import gettext

#: the form's text fields, in the order problems are listed.
FIELDS = (
    "name",
    "kind",
    "project_name",
    "description",
    "cost_points",
    "stock",
    "per_person_limit",
    "limit_period",
    "auto_approve",
    "active_from",
    "active_until",
    "image",
    "image_url",
    "image_file",
)
_TEXT_COLUMNS = (
    "name",
    "kind",
    "project_name",
    "description",
    "cost_points",
    "stock",
    "per_person_limit",
    "limit_period",
    "image_url",
)


def values_of(reward: RewardView | None) -> dict[str, str]:
    """What the form shows for a stored reward (or the defaults of a new one)."""
    if reward is None:
        return {"kind": "voucher", "limit_period": "year"}

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "name": reward.name,
        "kind": reward.kind.value,
        "project_name": text(reward.project_name),
        "description": reward.description,
        "cost_points": str(reward.cost_points),
        "stock": text(reward.stock),
        "per_person_limit": text(reward.per_person_limit),
        "limit_period": reward.limit_period,
        "auto_approve": "yes" if reward.auto_approve else "",
        "active_from": first_day(reward.active_from).isoformat() if reward.active_from else "",
        "active_until": last_day(reward.active_until).isoformat() if reward.active_until else "",
        "image_url": text(reward.image_url),
    }


def read_form(
    form: Mapping[str, str], *, current: RewardView | None, image_file: str | None
) -> tuple[RewardSpec | None, dict[str, str]]:
    """The reward the form describes, or None and ``{field: reason}``.

    ``image_file``: the uploaded picture the reward is to have (a new upload, the current one,
    or None); an address typed in the form replaces a picture uploaded earlier.
    """
    row = {name: form.get(name, "") for name in _TEXT_COLUMNS}
    for number in ("cost_points", "stock", "per_person_limit"):
        row[number] = row[number].replace(",", "").replace(" ", "")  # "1,000" as people type it
    row["auto_approve"] = "yes" if form.get("auto_approve") else ""
    spec, found = spec_from_row(row)
    problems: dict[str, str] = {}
    for field, reason in found:
        problems.setdefault(field, reason)
    starts = _day(form, "active_from", problems)
    ends = _day(form, "active_until", problems)
    if starts and ends and ends < starts:
        problems.setdefault("active_until", gettext("is before the first day offered"))
    if spec is None or problems:
        return None, problems
    image_url = spec.image_url
    if current is not None and image_url is not None:
        if image_file == current.image_file:
            image_file = None  # an address replaces the picture uploaded before
        elif image_url == current.image_url:
            image_url = None  # a new upload replaces the address the form still shows
    spec = replace(
        spec,
        image_url=image_url,
        image_file=image_file,
        active=current.active if current is not None else True,
        active_from=_kept(starts, current.active_from if current else None, start_of, first_day),
        active_until=_kept(ends, current.active_until if current else None, end_after, last_day),
    )
    return spec, {}


def field_of(message: str) -> tuple[str | None, str]:
    """A service's "field: reason" message as (field, reason); (None, message) otherwise."""
    field, sep, reason = message.partition(": ")
    if sep and field in FIELDS:
        return field, reason
    return None, message


def stock_seen(form: Mapping[str, str]) -> int | None:
    """The stock the edit form showed when it was opened (blank: unlimited)."""
    raw = form.get("stock_seen", "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _day(form: Mapping[str, str], name: str, problems: dict[str, str]) -> date | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems[name] = gettext("%(value)s is not a date (YYYY-MM-DD)", value=repr(raw))
        return None


def _kept(
    typed: date | None,
    stored: datetime | None,
    to_instant: Callable[[date], datetime],
    to_day: Callable[[datetime], date],
) -> datetime | None:
    """The instant for the typed day: the stored one while its day is unchanged."""
    if typed is None:
        return None
    if stored is not None and to_day(stored) == typed:
        return stored
    return to_instant(typed)
