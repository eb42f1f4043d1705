"""The product's controlled vocabulary, shared by connectors, engine, database and pages.

Each enum's values are what is stored in the database and shown in exports, so they are
stable identifiers: add members, never rename them.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    EMPLOYEE = "employee"
    HR = "hr"
    SUSTAINABILITY = "sustainability"
    ADMIN = "admin"


class ActivityKind(StrEnum):
    BUSINESS_TRAVEL = "business_travel"  # GHG Protocol Scope 3 category 6
    COMMUTE = "commute"  # GHG Protocol Scope 3 category 7


class Mode(StrEnum):
    AIR = "air"
    RAIL = "rail"
    SUBWAY = "subway"
    TRAM = "tram"
    BUS = "bus"
    COACH = "coach"
    TAXI = "taxi"
    CAR = "car"
    MOTORBIKE = "motorbike"
    BIKE = "bike"
    EBIKE = "ebike"
    WALK = "walk"
    FERRY = "ferry"
    HOTEL = "hotel"  # room-nights on a trip; not transport, but reported under category 6


class Cabin(StrEnum):
    """Class of travel: a flight's cabin, or a train's class (standard, first, a sleeper berth)."""

    ECONOMY = "economy"
    PREMIUM_ECONOMY = "premium_economy"
    BUSINESS = "business"
    FIRST = "first"
    #: rail: standard (second) class; first class on a train is ``FIRST``.
    STANDARD = "standard"
    #: rail: a berth in a sleeping car (couchettes and sleeper compartments).
    SLEEPER = "sleeper"


class Fuel(StrEnum):
    PETROL = "petrol"
    DIESEL = "diesel"
    HYBRID = "hybrid"
    PHEV = "phev"
    BEV = "bev"
    UNKNOWN = "unknown"


class VehicleSize(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"
    AVERAGE = "average"


class ActivityStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    REPLACED = "replaced"  # a ticket exchange replaced it with a newer activity
    DUPLICATE = "duplicate"  # the same trip already came from another source; never scores


class DistanceSource(StrEnum):
    GIVEN = "given"  # stated by the source
    COMPUTED = "computed"  # great-circle between known coordinates
    ESTIMATED = "estimated"  # great-circle times a detour factor
    DECLARED = "declared"  # the employee's own statement (commute profile)


class Verification(StrEnum):
    IMPORTED = "imported"
    SELF_REPORTED = "self_reported"
    EVIDENCE_ATTACHED = "evidence_attached"
    APPROVED = "approved"


class CalculationMethod(StrEnum):
    DISTANCE = "distance"  # activity data x distance-based factor
    SPEND = "spend"  # GHG Protocol spend-based fallback


class AccountKind(StrEnum):
    EMPLOYEE = "employee"
    ISSUANCE = "issuance"
    REDEMPTION = "redemption"
    EXPIRY = "expiry"
    ADJUSTMENT = "adjustment"


class TransactionKind(StrEnum):
    EARN = "earn"
    REVERSAL = "reversal"
    REDEEM = "redeem"
    REFUND = "refund"
    EXPIRE = "expire"
    ADJUST = "adjust"


class AdjustmentStatus(StrEnum):
    """A large adjustment waits for a second person before it is posted."""

    AWAITING = "awaiting"
    APPROVED = "approved"
    REJECTED = "rejected"


class RedemptionStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class RewardKind(StrEnum):
    VOUCHER = "voucher"
    PERK = "perk"
    DONATION = "donation"


class ImportTrigger(StrEnum):
    CLI = "cli"
    UPLOAD = "upload"
    API = "api"
    SCHEDULE = "schedule"


class ImportRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    FAILED = "failed"


class ReportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


AIR_MODES = frozenset({Mode.AIR})
#: the classes of travel each mode has: a flight's cabins and a train's classes.
FLIGHT_CABINS = (Cabin.ECONOMY, Cabin.PREMIUM_ECONOMY, Cabin.BUSINESS, Cabin.FIRST)
RAIL_CLASSES = (Cabin.STANDARD, Cabin.FIRST, Cabin.SLEEPER)
CLASSES_BY_MODE: dict[Mode, tuple[Cabin, ...]] = {Mode.AIR: FLIGHT_CABINS, Mode.RAIL: RAIL_CLASSES}
#: a train's class in words: "First" alone is a flight's cabin, a train has "First class".
RAIL_CLASS_LABELS: dict[Cabin, str] = {
    Cabin.STANDARD: "Standard class",
    Cabin.FIRST: "First class",
    Cabin.SLEEPER: "Sleeper berth",
}
ACTIVE_MODES = frozenset({Mode.BIKE, Mode.EBIKE, Mode.WALK})

#: How values read on pages and in reports, where the stored identifier is not plain English.
LABELS: dict[str, str] = {
    "air": "Flight",
    "ebike": "E-bike",
    "subway": "Metro",
    "bike": "Bicycle",
    "hotel": "Hotel stay",
    "premium_economy": "Premium economy",
    "standard": "Standard class",
    "sleeper": "Sleeper berth",
    "phev": "Plug-in hybrid",
    "bev": "Battery electric",
    "business_travel": "Business travel",
    "self_reported": "Self-reported",
    "evidence_attached": "Evidence attached",
    "requested": "Awaiting approval",
    "fulfilled": "Handed over",
}


def label(value: object) -> str:
    """A human label for an enum member or identifier: LABELS, else the value capitalised."""
    raw = str(getattr(value, "value", value))
    return LABELS.get(raw, raw.replace("_", " ").capitalize())


def class_label(mode: Mode | str | None, cabin: Cabin | str | None) -> str | None:
    """The class of travel in words for its mode ("First" on a flight, "First class" on a
    train), or None when there is none."""
    if cabin is None or cabin == "":
        return None
    found = Cabin(str(getattr(cabin, "value", cabin)))
    if str(getattr(mode, "value", mode)) == Mode.RAIL.value and found in RAIL_CLASS_LABELS:
        return RAIL_CLASS_LABELS[found]
    return label(found)
