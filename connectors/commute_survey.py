"""Employee commute survey exports (travel_formats.md §6 and §8.5): one response per row.

Columns: response_id, submitted_at, employee_id, employee_email, full_name, office_site,
one_way_distance, distance_unit, main_mode, main_mode_share_pct, secondary_mode,
office_days_per_week, remote_days_per_week, car_fuel, car_occupants, weeks_worked_per_year
(others, such as the home postcode and the comment, are not read; the comment is never parsed).

Decisions (the §8.5 "hard case" table):

- every response is yielded, duplicates included: the pipeline keeps the latest per employee
  by ``submitted_at``;
- ``submitted_at``: ISO 8601 with or without offset (no offset: read as UTC, noted). A date
  written ``03/04/2025`` is ambiguous and rejected unless ``mapping["date_order"]`` is ``"dmy"``
  or ``"mdy"`` (a slash date with a day above 12 is unambiguous and accepted); an impossible
  date (2025-02-30) is rejected;
- distances in km or mi (converted to km); a band such as ``5-10`` becomes its midpoint,
  marked estimated; an empty distance is rejected (unless the answer is fully remote);
- mode words map through ``MODE_WORDS``; ``mapping["modes"]`` maps any other answer (e.g.
  ``"other: e-scooter + S-Bahn" = "rail"``, or ``"remote"``) and is tried first. An unknown
  answer is rejected, so it is mapped once rather than guessed;
- the main mode gets its share, the secondary mode the rest; "work from home" gives no legs;
- office + remote days above the working week (``mapping["working_days_per_week"]``, 5 unless
  set) are flagged; office days are capped at 7 - remote days.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from connectors import fields
from connectors.base import Connector
from connectors.reading import dict_rows
from corp_carbon.domain.bookings import (
    CommuteLeg,
    CommuteResponse,
    FileHead,
    Record,
    RowProblem,
    Traveller,
)
from corp_carbon.domain.vocabulary import DistanceSource, Fuel, Mode

SIGNATURE = ("one_way_distance", "main_mode", "office_days_per_week")
REMOTE = "remote"
DAYS_PER_WEEK = 7
DEFAULT_WORKING_DAYS = 5
FULL_SHARE = 100
MAX_WEEKS = 53

#: survey answers (lower case, trimmed) -> Mode value, or REMOTE for no commute.
MODE_WORDS: Mapping[str, str] = {
    "bicycle": Mode.BIKE,
    "bike": Mode.BIKE,
    "cycling": Mode.BIKE,
    "e-bike": Mode.EBIKE,
    "ebike": Mode.EBIKE,
    "metro": Mode.SUBWAY,
    "subway": Mode.SUBWAY,
    "underground": Mode.SUBWAY,
    "tube": Mode.SUBWAY,
    "u-bahn": Mode.SUBWAY,
    "train": Mode.RAIL,
    "rail": Mode.RAIL,
    "s-bahn": Mode.RAIL,
    "tram": Mode.TRAM,
    "light rail": Mode.TRAM,
    "bus": Mode.BUS,
    "coach": Mode.COACH,
    "car": Mode.CAR,
    "car driver": Mode.CAR,
    "carpool": Mode.CAR,
    "walk": Mode.WALK,
    "walking": Mode.WALK,
    "on foot": Mode.WALK,
    "motorbike": Mode.MOTORBIKE,
    "motorcycle": Mode.MOTORBIKE,
    "scooter": Mode.MOTORBIKE,
    "ferry": Mode.FERRY,
    "taxi": Mode.TAXI,
    "work from home": REMOTE,
    "work mainly at or from home": REMOTE,
    "remote": REMOTE,
    "wfh": REMOTE,
}
FUEL_WORDS: Mapping[str, Fuel] = {
    "petrol": Fuel.PETROL,
    "gasoline": Fuel.PETROL,
    "diesel": Fuel.DIESEL,
    "hybrid": Fuel.HYBRID,
    "plug-in hybrid": Fuel.PHEV,
    "phev": Fuel.PHEV,
    "electric": Fuel.BEV,
    "ev": Fuel.BEV,
    "bev": Fuel.BEV,
}
UNITS = {
    "km": "km",
    "kilometres": "km",
    "kilometers": "km",
    "公里": "km",
    "mi": "mi",
    "miles": "mi",
    "英里": "mi",
}
_BAND = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[-\u2013]\s*(\d+(?:\.\d+)?)\s*$")
_SLASH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


class _Reject(Exception):
    def __init__(self, column: str, reason: str, value: str | None = None) -> None:
        super().__init__(reason)
        self.column, self.reason, self.value = column, reason, value


class CommuteSurveyConnector(Connector):
    name: ClassVar[str] = "commute-survey"
    title: ClassVar[str] = "Employee commute survey export (CSV or XLSX)"

    def columns_read(self) -> dict[str, str]:
        return {
            "key": "response_id",
            "office": "office_site",
            "one_way_km": "one_way_distance",
            "office_days_per_week": "office_days_per_week",
            "remote_days_per_week": "remote_days_per_week",
            "weeks_per_year": "weeks_worked_per_year",
            "car_occupants": "car_occupants",
            "employee_number": "employee_id",
            "email": "employee_email",
            "name": "full_name",
        }

    def identify(self, head: FileHead) -> bool:
        return all(column in head.header for column in SIGNATURE)

    def expected(self) -> str:
        return "a CSV or XLSX with the columns " + ", ".join(SIGNATURE) + " (one row per answer)"

    def extract(self, path: Path) -> Iterator[Record]:
        for number, row in dict_rows(path, self.options.xlsx_guard):
            yield from _Response(number, row, self.options.mapping).read()


class _Response:
    """One row: collects warnings and the first rejection, then yields them and the answer."""

    def __init__(self, row: int, cells: Mapping[str, str], mapping: Mapping[str, Any]) -> None:
        self.row, self.cells, self.mapping = row, cells, mapping
        self.problems: list[RowProblem] = []
        self.notes: list[str] = []

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def warn(self, column: str, reason: str, value: str | None = None) -> None:
        self.problems.append(RowProblem(self.row, column, reason, value, rejected=False))

    def read(self) -> Iterator[Record]:
        try:
            response = self._build()
        except _Reject as exc:
            yield from self.problems
            yield RowProblem(self.row, exc.column, exc.reason, exc.value)
            return
        yield from self.problems
        yield response

    def _build(self) -> CommuteResponse:
        key = self.get("response_id")
        if not key:
            raise _Reject("response_id", "response id missing")
        days = self._days()
        submitted = self._submitted()
        traveller = self._traveller()
        legs, remote = self._legs()
        km, source = self._distance(remote)
        return CommuteResponse(
            key=key,
            row=self.row,
            traveller=traveller,
            submitted_at=submitted,
            office=fields.text(self.get("office_site")),
            one_way_km=km,
            distance_source=source,
            legs=legs,
            office_days_per_week=0 if remote else days[0],
            remote_days_per_week=days[1],
            weeks_per_year=self._weeks(),
            car_fuel=self._fuel(legs),
            car_occupants=self._whole("car_occupants", minimum=1),
            notes=tuple(self.notes),
        )

    def _submitted(self) -> datetime:
        raw = self.get("submitted_at")
        if not raw:
            raise _Reject("submitted_at", "submission date missing")
        slash = _SLASH_DATE.match(raw)
        if slash:
            return self._slash_date(raw, *(int(g) for g in slash.groups()))
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise _Reject(
                "submitted_at", f"not a valid date (expected ISO 8601; {exc}): {raw!r}", raw
            ) from None
        if parsed.tzinfo is None:
            self.notes.append("submitted_at has no UTC offset; read as UTC")
            return parsed.replace(tzinfo=UTC)
        return parsed

    def _slash_date(self, raw: str, first: int, second: int, year: int) -> datetime:
        order = str(self.mapping.get("date_order", "")).lower()
        if order not in ("dmy", "mdy"):
            if first > 12 >= second:
                order = "dmy"
            elif second > 12 >= first:
                order = "mdy"
            else:
                raise _Reject(
                    "submitted_at",
                    f"ambiguous date {raw!r} (day/month or month/day?); set date_order = "
                    '"dmy" or "mdy" in the survey mapping',
                    raw,
                )
        day, month = (first, second) if order == "dmy" else (second, first)
        try:
            parsed = date(year, month, day)
        except ValueError:
            raise _Reject("submitted_at", f"not a valid date: {raw!r}", raw) from None
        self.notes.append(f"submitted_at {raw} read as {order} ({parsed.isoformat()}), UTC")
        return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)

    def _traveller(self) -> Traveller:
        employee = fields.text(self.get("employee_id"))
        try:
            email = fields.email(self.get("employee_email"))
        except fields.FieldError as exc:
            if employee is None:
                raise _Reject("employee_email", str(exc), self.get("employee_email")) from None
            self.warn("employee_email", f"{exc}; matched by employee id only")
            email = None
        if employee is None and email is None:
            raise _Reject("employee_id", "no employee id and no email: cannot be matched")
        return Traveller(employee, email, fields.text(self.get("full_name")))

    def _legs(self) -> tuple[tuple[CommuteLeg, ...], bool]:
        main = self._mode("main_mode")
        if main is None:
            raise _Reject("main_mode", "main mode missing")
        if main == REMOTE:
            self.notes.append("fully remote: no commute legs")
            return (), True
        secondary = self._mode("secondary_mode")
        share = self._whole("main_mode_share_pct", minimum=0)
        if share is None:
            if secondary is not None:
                raise _Reject(
                    "main_mode_share_pct", "share missing while a secondary mode is given"
                )
            share = FULL_SHARE
        if share > FULL_SHARE:
            raise _Reject("main_mode_share_pct", "a share above 100 %", str(share))
        legs = [CommuteLeg(Mode(main), share)] if share else []
        rest = FULL_SHARE - share
        if rest and (secondary is None or secondary == REMOTE):
            raise _Reject(
                "secondary_mode",
                f"the main mode covers {share} %; the other {rest} % needs a secondary mode",
            )
        if rest and secondary is not None:
            legs.append(CommuteLeg(Mode(secondary), rest))
        return tuple(legs), False

    def _mode(self, column: str) -> str | None:
        raw = self.get(column)
        if not raw:
            return None
        word = " ".join(raw.lower().split())
        configured = {
            " ".join(str(k).lower().split()): str(v)
            for k, v in self.mapping.get("modes", {}).items()
        }
        target = configured.get(word) or MODE_WORDS.get(word)
        if target is not None:
            target = str(MODE_WORDS.get(target.lower(), target)).lower()
        if target == REMOTE:
            return REMOTE
        if target is None or target not in {m.value for m in Mode}:
            raise _Reject(column, "unrecognised mode; map it in the survey mapping (modes)", raw)
        return target

    def _distance(self, remote: bool) -> tuple[Decimal | None, DistanceSource]:
        raw = self.get("one_way_distance")
        if not raw:
            if remote:
                return None, DistanceSource.DECLARED
            raise _Reject("one_way_distance", "one-way distance missing")
        unit_raw = self.get("distance_unit").lower()
        unit = UNITS.get(unit_raw or "km")
        if unit is None:
            raise _Reject("distance_unit", "unknown unit (km or mi)", self.get("distance_unit"))
        if not unit_raw:
            self.notes.append("no distance unit given; read as km")
        band = _BAND.match(raw)
        try:
            if band:
                low, high = (Decimal(g) for g in band.groups())
                middle = (low + high) / 2
                km = fields.distance_km(str(middle), unit)
                self.notes.append(
                    f"distance given as a band {raw} {unit}; its midpoint {middle} {unit} is used"
                )
                return km, DistanceSource.ESTIMATED
            return fields.distance_km(raw, unit), DistanceSource.DECLARED
        except fields.FieldError as exc:
            raise _Reject("one_way_distance", str(exc), raw) from None

    def _days(self) -> tuple[int, int]:
        office = self._whole("office_days_per_week", minimum=0)
        remote = self._whole("remote_days_per_week", minimum=0) or 0
        if office is None:
            raise _Reject("office_days_per_week", "office days missing")
        if remote > DAYS_PER_WEEK:
            raise _Reject("remote_days_per_week", f"more than {DAYS_PER_WEEK} days", str(remote))
        working = int(self.mapping.get("working_days_per_week", DEFAULT_WORKING_DAYS))
        if office + remote > working:
            capped = min(office, DAYS_PER_WEEK - remote)
            action = (
                f"office days capped at {capped}"
                if capped != office
                else "kept as answered; check with the employee"
            )
            self.warn(
                "office_days_per_week",
                f"{office} office + {remote} remote days exceed a {working}-day working week; "
                f"{action}",
                str(office),
            )
            office = capped
        return office, remote

    def _weeks(self) -> int:
        weeks = self._whole("weeks_worked_per_year", minimum=0)
        if weeks is None:
            raise _Reject("weeks_worked_per_year", "weeks worked per year missing")
        if weeks > MAX_WEEKS:
            raise _Reject("weeks_worked_per_year", f"more than {MAX_WEEKS} weeks", str(weeks))
        return weeks

    def _fuel(self, legs: tuple[CommuteLeg, ...]) -> Fuel | None:
        raw = self.get("car_fuel")
        if not raw:
            return Fuel.UNKNOWN if any(leg.mode is Mode.CAR for leg in legs) else None
        fuel = FUEL_WORDS.get(raw.lower())
        if fuel is None:
            self.warn("car_fuel", "unknown fuel; the average car is used", raw)
            return Fuel.UNKNOWN
        return fuel

    def _whole(self, column: str, *, minimum: int) -> int | None:
        raw = self.get(column)
        try:
            return fields.whole(raw, minimum=minimum)
        except fields.FieldError as exc:
            raise _Reject(column, str(exc), raw) from None


CONNECTOR = CommuteSurveyConnector
