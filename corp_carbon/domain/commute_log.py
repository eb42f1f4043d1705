"""The rules of commutes an employee logs: what a profile may say, which days can be logged,
and which caps refuse an entry before it is stored.

Refusals carry a stable ``rule`` (a cap, the correction window, a duplicate) and bad input
names its ``field``; the web layer words both in the page's language. The caps are the
methodology's (``domain.scoring.caps``): an entry the caps would not credit is refused at
once, so the employee is told instead of finding a trip without points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from corp_carbon.domain.errors import Conflict, DomainError
from corp_carbon.domain.vocabulary import Fuel, Mode

#: the modes a commute can take (no flights, no hotel nights).
COMMUTE_MODES: tuple[Mode, ...] = (
    Mode.WALK,
    Mode.BIKE,
    Mode.EBIKE,
    Mode.BUS,
    Mode.SUBWAY,
    Mode.TRAM,
    Mode.RAIL,
    Mode.COACH,
    Mode.CAR,
    Mode.MOTORBIKE,
    Mode.TAXI,
    Mode.FERRY,
)
#: modes where the car's fuel and the people sharing it matter.
VEHICLE_MODES = frozenset({Mode.CAR, Mode.MOTORBIKE, Mode.TAXI})
MAX_ONE_WAY_KM = Decimal(300)
MAX_OCCUPANTS = 9
#: days a week form can hold, Monday first.
WEEKDAYS = 7
KM_STEP = Decimal("0.001")


class CommuteInputError(DomainError):
    """Input that cannot be a commute or a profile; ``field`` names it, ``problem`` says how."""

    http_status = 422
    code = "invalid_input"

    def __init__(self, field: str, problem: str, message: str, **values: object) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.problem = problem
        self.values = values


class CommuteRefused(Conflict):
    """A rule of the scheme refuses the entry; ``rule`` names it (stable for API clients)."""

    def __init__(self, rule: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.rule = rule
        self.code = rule
        self.values = values


@dataclass(frozen=True)
class ProfileInput:
    usual_mode: Mode
    one_way_km: Decimal
    office_days_per_week: int
    car_fuel: Fuel | None = None
    car_occupants: int | None = None
    baseline_mode: Mode | None = None


@dataclass(frozen=True)
class ProfileVersion:
    """One version of the commute profile, in force from ``valid_from`` to the next one."""

    id: int
    valid_from: date
    usual_mode: Mode
    one_way_km: Decimal
    office_days_per_week: int
    car_fuel: Fuel | None
    car_occupants: int | None
    baseline_mode: Mode | None
    #: "self" (the employee) or "survey" (a commute-survey import).
    source: str


@dataclass(frozen=True)
class CommuteRequest:
    """What one submission logs: the same trip on each day, once or there and back."""

    days: tuple[date, ...]
    mode: Mode
    distance_km: Decimal
    legs: int


# --- parsing input ------------------------------------------------------------------------


def parse_mode(field: str, raw: object) -> Mode:
    try:
        mode = Mode(str(raw).strip())
    except ValueError:
        raise CommuteInputError(field, "mode", f"{raw!r} is not a commute mode") from None
    if mode not in COMMUTE_MODES:
        raise CommuteInputError(field, "mode", f"{raw!r} is not a commute mode")
    return mode


def parse_km(field: str, raw: object) -> Decimal:
    try:
        km = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise CommuteInputError(field, "km", f"{raw!r} is not a distance in km") from None
    if not km.is_finite() or km <= 0 or km > MAX_ONE_WAY_KM:
        raise CommuteInputError(
            field, "km", f"give a distance above 0 and at most {MAX_ONE_WAY_KM} km"
        )
    return km.quantize(KM_STEP)


def parse_int(field: str, raw: object, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise CommuteInputError(field, "range", f"a whole number from {low} to {high}",
                                low=low, high=high) from None  # fmt: skip
    if not low <= value <= high:
        raise CommuteInputError(field, "range", f"a whole number from {low} to {high}",
                                low=low, high=high)  # fmt: skip
    return value


def parse_day(field: str, raw: object) -> date:
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise CommuteInputError(field, "date", f"{raw!r} is not a date (YYYY-MM-DD)") from None


def checked_profile(
    *,
    usual_mode: object,
    one_way_km: object,
    office_days_per_week: object,
    car_fuel: object = None,
    car_occupants: object = None,
    baseline_mode: object = None,
) -> ProfileInput:
    """A profile from what was typed; the car's details only count for a car-like mode."""
    mode = parse_mode("usual_mode", usual_mode)
    fuel: Fuel | None = None
    occupants: int | None = None
    if mode in VEHICLE_MODES:
        if car_fuel not in (None, ""):
            try:
                fuel = Fuel(str(car_fuel))
            except ValueError:
                raise CommuteInputError("car_fuel", "fuel", f"{car_fuel!r} is not a fuel") from None
        if car_occupants not in (None, ""):
            occupants = parse_int("car_occupants", car_occupants, 1, MAX_OCCUPANTS)
    baseline = None
    if baseline_mode not in (None, ""):
        baseline = parse_mode("baseline_mode", baseline_mode)
    return ProfileInput(
        usual_mode=mode,
        one_way_km=parse_km("one_way_km", one_way_km),
        office_days_per_week=parse_int("office_days_per_week", office_days_per_week, 0, WEEKDAYS),
        car_fuel=fuel,
        car_occupants=occupants,
        baseline_mode=baseline,
    )


def parse_legs(raw: object) -> int:
    if raw in (None, ""):
        return 2
    return parse_int("legs", raw, 1, 2)


# --- days ---------------------------------------------------------------------------------


def window_start(today: date, window_days: int) -> date:
    """The first day that can still be logged or corrected: the first of this month, or of
    last month while last month's window is open."""
    return (today - timedelta(days=window_days)).replace(day=1)


def office_weekdays(office_days: int) -> tuple[int, ...]:
    """The weekdays (0 = Monday) a week form ticks by default: the profile's office days,
    Monday onwards."""
    return tuple(range(min(max(office_days, 0), WEEKDAYS)))


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def check_day(day: date, today: date, window_days: int) -> None:
    if day > today:
        raise CommuteRefused("future_date", f"{day}: commutes can be logged up to today", day=day)
    first = window_start(today, window_days)
    if day < first:
        raise CommuteRefused(
            "before_window",
            f"{day}: commutes can be logged and corrected from {first} on",
            day=day,
            first=first,
        )


@dataclass(frozen=True)
class Standing:
    """What the employee already has that the rules count."""

    #: days that already have a commute (logged or imported), confirmed.
    days_logged: frozenset[date]
    #: commute trips per day already recorded, confirmed.
    trips_per_day: dict[date, int]
    #: self-reported trips per (year, month) already recorded, confirmed.
    self_reported_per_month: dict[tuple[int, int], int]


def check_entry(
    request: CommuteRequest,
    standing: Standing,
    *,
    today: date,
    window_days: int,
    per_day_cap: int,
    per_month_cap: int,
    with_evidence: bool,
    replacing: bool = False,
) -> None:
    """Refuses the whole submission when any of its days breaks a rule (nothing is stored)."""
    if not request.days:
        raise CommuteInputError("days", "no_days", "tick at least one day")
    new_per_month: dict[tuple[int, int], int] = {}
    for day in sorted(request.days):
        check_day(day, today, window_days)
        if not replacing and day in standing.days_logged:
            raise CommuteRefused(
                "already_logged", f"{day}: your commute that day is already recorded", day=day
            )
        if standing.trips_per_day.get(day, 0) + request.legs > per_day_cap:
            raise CommuteRefused(
                "per_day_cap",
                f"{day}: at most {per_day_cap} commute trips a day earn points",
                day=day,
                cap=per_day_cap,
            )
        if not with_evidence:
            month = (day.year, day.month)
            new_per_month[month] = new_per_month.get(month, 0) + request.legs
            if standing.self_reported_per_month.get(month, 0) + new_per_month[month] > (
                per_month_cap
            ):
                raise CommuteRefused(
                    "per_month_cap",
                    f"{day}: at most {per_month_cap} self-reported trips a month earn points; "
                    "attach a photo as evidence to log more",
                    day=day,
                    cap=per_month_cap,
                )
