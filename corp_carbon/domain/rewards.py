"""The rules of rewards and redemptions, apart from where they are stored.

A redemption holds the reward's cost at once and moves through these statuses:

    requested --approve--> approved --fulfil--> fulfilled
        |                     |
        +--reject/cancel      +--reject          (rejected and cancelled are refunded)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from corp_carbon.domain.errors import Conflict, DomainError
from corp_carbon.domain.ledger import Leg, employee_code, system_code
from corp_carbon.domain.vocabulary import AccountKind, RedemptionStatus, RewardKind

LIMIT_PERIODS = ("month", "quarter", "year", "ever")
#: what "per <period>" reads as in messages.
PERIOD_WORDS = {"month": "this month", "quarter": "this quarter", "year": "this year", "ever": ""}
#: redemptions HR still has to act on (approve or reject; hand over).
OPEN = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED)
#: redemptions that use up the per-person limit (refunded ones do not).
COUNTED = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED)
#: the statuses each status can be reached from.
TRANSITIONS: Mapping[RedemptionStatus, tuple[RedemptionStatus, ...]] = {
    RedemptionStatus.APPROVED: (RedemptionStatus.REQUESTED,),
    RedemptionStatus.REJECTED: (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED),
    RedemptionStatus.CANCELLED: (RedemptionStatus.REQUESTED,),
    RedemptionStatus.FULFILLED: (RedemptionStatus.APPROVED,),
}
#: the statuses that give the held points back.
REFUNDED = frozenset({RedemptionStatus.REJECTED, RedemptionStatus.CANCELLED})
MAX_NAME = 200
MAX_URL = 500
#: the file name of an uploaded reward picture: its content's hash, re-encoded as WebP.
IMAGE_FILE = re.compile(r"^[0-9a-f]{32}\.webp$")
#: characters that never belong in a picture's address (they could break out of the attribute).
_URL_UNSAFE = re.compile(r"[\s\"'<>\\`]")
_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n", ""})
_WHOLE = re.compile(r"^[+-]?\d+$")


class OutOfStock(Conflict):
    code = "out_of_stock"


class LimitReached(Conflict):
    code = "limit_reached"


class RewardInactive(Conflict):
    code = "reward_inactive"


class InvalidTransition(Conflict):
    """A status change the redemption's current status does not allow."""

    code = "invalid_transition"


@dataclass(frozen=True)
class RewardSpec:
    """A catalogue item as given by HR (form, API or CSV), before it is stored."""

    name: str
    cost_points: int
    kind: RewardKind = RewardKind.VOUCHER
    stock: int | None = None
    per_person_limit: int | None = None
    limit_period: str = "year"
    auto_approve: bool = False
    description: str = ""
    project_name: str | None = None
    image_url: str | None = None
    #: an uploaded picture (``IMAGE_FILE``), kept in the instance folder; or else image_url.
    image_file: str | None = None
    active: bool = True
    active_from: datetime | None = None
    active_until: datetime | None = None


# --- limits and periods ---------------------------------------------------------------------


def period_start(period: str, now: datetime) -> datetime | None:
    """Start (UTC) of the calendar period ``now`` falls in; None for "ever"."""
    utc = now.astimezone(UTC)
    if period == "ever":
        return None
    if period == "year":
        month = 1
    elif period == "quarter":
        month = 3 * ((utc.month - 1) // 3) + 1
    elif period == "month":
        month = utc.month
    else:
        raise ValueError(f"unknown limit period {period!r}")
    return datetime(utc.year, month, 1, tzinfo=UTC)


def used_in_period(requested_at: Iterable[datetime], period: str, now: datetime) -> int:
    """How many of these counted redemptions fall in the limit period ``now`` is in."""
    start = period_start(period, now)
    return sum(1 for at in requested_at if start is None or at >= start)


def limit_text(limit: int, period: str) -> str:
    times = "once" if limit == 1 else f"{limit} times"
    return f"{times} per person" + (f" {PERIOD_WORDS[period]}" if PERIOD_WORDS.get(period) else "")


def offer_blocked(
    *,
    stock: int | None,
    per_person_limit: int | None,
    limit_period: str,
    cost_points: int,
    used: int,
    balance: int,
) -> str | None:
    """Why an employee cannot redeem a reward now, as the rewards page says it; None: they can."""
    if stock is not None and stock <= 0:
        return "Out of stock"
    if per_person_limit is not None and used >= per_person_limit:
        return f"Limit reached: {limit_text(per_person_limit, limit_period)}"
    if balance < cost_points:
        return f"You need {cost_points - balance:,} more points"
    return None


def unavailable_reason(
    name: str,
    *,
    active: bool,
    active_from: datetime | None,
    active_until: datetime | None,
    now: datetime,
) -> str | None:
    """Why a reward cannot be redeemed at ``now`` (withdrawn, or outside its window)."""
    if not active:
        return f"{name!r} is no longer offered"
    if active_from is not None and now < active_from:
        return f"{name!r} can be redeemed from {active_from:%Y-%m-%d %H:%M} UTC"
    if active_until is not None and now >= active_until:
        return f"{name!r} could be redeemed until {active_until:%Y-%m-%d %H:%M} UTC"
    return None


def approved_at_once(*, auto_approve: bool, cost_points: int, auto_approve_below: int) -> bool:
    """A flagged reward, or one cheaper than the configured threshold, needs no HR decision."""
    return auto_approve or cost_points < auto_approve_below


# --- status changes and refunds -------------------------------------------------------------


def check_transition(
    redemption_id: int, current: RedemptionStatus, target: RedemptionStatus
) -> None:
    """Raises InvalidTransition unless a ``current`` redemption may become ``target``."""
    allowed = TRANSITIONS.get(target, ())
    if current not in allowed:
        sources = " or ".join(s.value for s in allowed)
        raise InvalidTransition(
            f"redemption {redemption_id} is {current.value}; it cannot become "
            f"{target.value} (only a {sources} redemption can)"
        )


def hold_legs(employee_id: int, points: int) -> list[Leg]:
    """The REDEEM transaction: the cost moves from the employee to the redemption account."""
    return [
        Leg(employee_code(employee_id), -points),
        Leg(system_code(AccountKind.REDEMPTION), points),
    ]


def refund_legs(employee_id: int, points: int) -> list[Leg]:
    """The REFUND transaction: the hold, reversed."""
    return [
        Leg(system_code(AccountKind.REDEMPTION), -points),
        Leg(employee_code(employee_id), points),
    ]


def rejection_reason(reason: str) -> str:
    """The reason as the employee reads it; a rejection without one is refused."""
    text = reason.strip()
    if not text:
        raise DomainError("reason: a rejection needs a reason the employee can read")
    return text


def hand_over(voucher_code: str | None, note: str | None) -> tuple[str | None, str | None]:
    """The (voucher code, note) a fulfilment records: at least one of them, trimmed."""
    code = (voucher_code or "").strip() or None
    text = (note or "").strip() or None
    if code is None and text is None:
        raise DomainError(
            "voucher_code: give the voucher code, or a note on how it was handed over"
        )
    if code is not None and len(code) > MAX_NAME:
        raise DomainError(f"voucher_code: at most {MAX_NAME} characters")
    return code, text


# --- catalogue items ------------------------------------------------------------------------


def reward_kind(kind: RewardKind | str) -> RewardKind:
    try:
        return RewardKind(kind)
    except ValueError:
        raise DomainError(f"kind: {unknown(kind, RewardKind)}") from None


def cleaned(spec: RewardSpec) -> RewardSpec:
    """The spec with its text trimmed and empty optional text as None."""

    def text(value: str | None) -> str | None:
        return None if value is None else (value.strip() or None)

    return replace(
        spec,
        name=spec.name.strip(),
        description=spec.description.strip(),
        project_name=text(spec.project_name),
        image_url=text(spec.image_url),
        image_file=text(spec.image_file),
        limit_period=spec.limit_period.strip().lower(),
    )


def spec_problems(spec: RewardSpec) -> list[tuple[str, str]]:
    """Every (field, reason) wrong with a reward; empty when it can be stored."""
    problems: list[tuple[str, str]] = []
    if not spec.name:
        problems.append(("name", "must not be empty"))
    elif len(spec.name) > MAX_NAME:
        problems.append(("name", f"at most {MAX_NAME} characters"))
    if not _is_int(spec.cost_points) or spec.cost_points <= 0:
        problems.append(
            ("cost_points", f"must be a whole number above 0, got {spec.cost_points!r}")
        )
    if spec.stock is not None and (not _is_int(spec.stock) or spec.stock < 0):
        problems.append(("stock", f"must be a whole number, 0 or more, got {spec.stock!r}"))
    if spec.per_person_limit is not None and (
        not _is_int(spec.per_person_limit) or spec.per_person_limit <= 0
    ):
        problems.append(
            ("per_person_limit", f"must be a whole number above 0, got {spec.per_person_limit!r}")
        )
    if spec.limit_period not in LIMIT_PERIODS:
        problems.append(("limit_period", unknown(spec.limit_period, LIMIT_PERIODS)))
    if spec.kind is RewardKind.DONATION and not spec.project_name:
        problems.append(("project_name", "a donation names the climate project it funds"))
    if spec.project_name is not None and len(spec.project_name) > MAX_NAME:
        problems.append(("project_name", f"at most {MAX_NAME} characters"))
    if spec.image_url is not None:
        why = image_url_problem(spec.image_url)
        if why:
            problems.append(("image_url", why))
        elif spec.image_file is not None:
            problems.append(("image_url", "give an uploaded picture or an address, not both"))
    if spec.image_file is not None and not IMAGE_FILE.match(spec.image_file):
        problems.append(("image_file", "not a picture uploaded here"))
    for name in ("active_from", "active_until"):
        value = getattr(spec, name)
        if value is not None and value.tzinfo is None:
            problems.append((name, "needs a time zone, e.g. 2026-01-01T00:00:00Z"))
    if (
        spec.active_from is not None
        and spec.active_until is not None
        and spec.active_from.tzinfo is not None
        and spec.active_until.tzinfo is not None
        and spec.active_until <= spec.active_from
    ):
        problems.append(("active_until", "must be after active_from"))
    return problems


def image_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a reward's picture: an https:// address with a host, or a path on
    this site ("/img/x.png"). Plain http:// would be blocked or flagged by browsers on an
    https intranet page; anything else (javascript:, data:) is refused outright."""
    if len(url) > MAX_URL:
        return f"at most {MAX_URL} characters"
    if _URL_UNSAFE.search(url):
        return "an address has no spaces, quotes or angle brackets"
    if url.startswith("/") and not url.startswith("//"):
        return None
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if scheme.lower() != "https" or not host.split(":", 1)[0]:
        return "must be an https:// address (or a path on this site starting with /)"
    return None


def spec_from_row(row: Mapping[str, str]) -> tuple[RewardSpec | None, list[tuple[str, str]]]:
    """One catalogue-file row (column -> text) as a spec, or None and its (field, reason)s."""
    problems: list[tuple[str, str]] = []

    def whole(field: str, *, required: bool = False) -> int | None:
        raw = row.get(field, "").strip().replace("_", "")
        if not raw:
            if required:
                problems.append((field, "required"))
            return None
        if not _WHOLE.match(raw):
            problems.append((field, f"{raw!r} is not a whole number"))
            return None
        return int(raw)

    kind_raw = row.get("kind", "").strip().lower() or RewardKind.VOUCHER.value
    try:
        kind = RewardKind(kind_raw)
    except ValueError:
        problems.append(("kind", unknown(kind_raw, RewardKind)))
        kind = RewardKind.VOUCHER
    auto_raw = row.get("auto_approve", "").strip().lower()
    if auto_raw not in _TRUE | _FALSE:
        problems.append(("auto_approve", f"{auto_raw!r}: accepted: true, false (or empty)"))
    cost = whole("cost_points", required=True)
    stock = whole("stock")
    limit = whole("per_person_limit")
    spec = cleaned(
        RewardSpec(
            name=row.get("name", ""),
            cost_points=cost if cost is not None else 0,
            kind=kind,
            stock=stock,
            per_person_limit=limit,
            limit_period=row.get("limit_period", "").strip() or "year",
            auto_approve=auto_raw in _TRUE,
            description=row.get("description", ""),
            project_name=row.get("project_name"),
            image_url=row.get("image_url"),
        )
    )
    reported = {field for field, _ in problems}
    problems.extend(p for p in spec_problems(spec) if p[0] not in reported)
    return (None if problems else spec), problems


def unknown(value: object, accepted: Iterable[object]) -> str:
    names = ", ".join(str(getattr(a, "value", a)) for a in accepted)
    return f"unknown {value!r} (accepted: {names})"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
