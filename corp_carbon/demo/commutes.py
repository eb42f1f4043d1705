"""Commute profiles for the demo, with every mode in use somewhere; ``commute_logs`` logs
their commutes."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from corp_carbon.db.models import Activity, CommuteProfile
from corp_carbon.demo.people import Person
from corp_carbon.demo.sources import Feed
from corp_carbon.domain.vocabulary import (
    DistanceSource,
    Fuel,
    Mode,
)

PROFILE_SHARE = 0.85
KM_STEP = Decimal("0.001")

#: usual-mode keys with their mode and one-way km as (low, high, most likely).
_MODES: dict[str, tuple[Mode, tuple[float, float, float]]] = {
    "walk": (Mode.WALK, (0.5, 3.0, 1.3)),
    "bike": (Mode.BIKE, (2.0, 15.0, 6.0)),
    "ebike": (Mode.EBIKE, (3.0, 20.0, 9.0)),
    "bus": (Mode.BUS, (2.0, 15.0, 6.0)),
    "subway": (Mode.SUBWAY, (3.0, 22.0, 10.0)),
    "tram": (Mode.TRAM, (2.0, 12.0, 5.0)),
    "rail": (Mode.RAIL, (10.0, 60.0, 25.0)),
    "car": (Mode.CAR, (5.0, 45.0, 18.0)),
    "carpool": (Mode.CAR, (8.0, 45.0, 22.0)),
    "motorbike": (Mode.MOTORBIKE, (5.0, 30.0, 12.0)),
    "ferry": (Mode.FERRY, (3.0, 15.0, 6.0)),
}
_OFFICE_MODES: dict[str, tuple[tuple[str, int], ...]] = {
    "London": (
        ("rail", 22),
        ("subway", 18),
        ("bus", 11),
        ("bike", 11),
        ("ebike", 4),
        ("walk", 7),
        ("car", 12),
        ("carpool", 3),
        ("motorbike", 3),
        ("ferry", 2),
        ("tram", 2),
    ),
    "Berlin": (
        ("rail", 18),
        ("subway", 14),
        ("tram", 12),
        ("bus", 8),
        ("bike", 20),
        ("ebike", 6),
        ("walk", 6),
        ("car", 11),
        ("carpool", 2),
        ("motorbike", 2),
    ),
    "Shanghai": (
        ("subway", 38),
        ("bus", 13),
        ("ebike", 14),
        ("bike", 6),
        ("walk", 6),
        ("car", 12),
        ("carpool", 3),
        ("motorbike", 2),
        ("ferry", 2),
        ("rail", 2),
        ("tram", 1),
    ),
}
_FUELS: dict[str, tuple[tuple[Fuel, int], ...]] = {
    "London": (
        (Fuel.PETROL, 45),
        (Fuel.DIESEL, 15),
        (Fuel.HYBRID, 20),
        (Fuel.PHEV, 8),
        (Fuel.BEV, 12),
    ),
    "Berlin": (
        (Fuel.PETROL, 45),
        (Fuel.DIESEL, 25),
        (Fuel.HYBRID, 12),
        (Fuel.PHEV, 8),
        (Fuel.BEV, 10),
    ),
    "Shanghai": ((Fuel.PETROL, 50), (Fuel.BEV, 30), (Fuel.PHEV, 15), (Fuel.HYBRID, 5)),
}
#: usual mode -> (chance of a second mode, second modes with weights, usual-mode share range).
_SECONDARY: dict[Mode, tuple[float, tuple[tuple[Mode, int], ...], tuple[int, int]]] = {
    Mode.RAIL: (0.6, ((Mode.WALK, 3), (Mode.BIKE, 2), (Mode.BUS, 2), (Mode.SUBWAY, 3)), (75, 92)),
    Mode.SUBWAY: (0.3, ((Mode.WALK, 3), (Mode.BUS, 1)), (80, 95)),
    Mode.BUS: (0.15, ((Mode.WALK, 1),), (85, 95)),
    Mode.TRAM: (0.2, ((Mode.WALK, 1),), (80, 95)),
    Mode.FERRY: (1.0, ((Mode.WALK, 2), (Mode.BUS, 1)), (60, 80)),
}
#: a second mode that is the first mile (home -> stop); others are the last mile.
FIRST_MILE_MODES = (Mode.BIKE, Mode.BUS, Mode.EBIKE)
#: the combinations that must appear somewhere, whatever the seed.
_REQUIRED = (
    "bike",
    "ebike",
    "walk",
    "bus",
    "subway",
    "tram",
    "rail",
    "motorbike",
    "ferry",
    "ferry",
    "carpool",
    "car:petrol",
    "car:diesel",
    "car:hybrid",
    "car:phev",
    "car:bev",
)
#: where a first mile ends. The stop near home is never named: it would say where someone
#: lives, and the figures need only the distance (README, "Erasure and retention"). One of
#: as many stops as each office once had is still drawn, so a seed gives the same company.
HOME_STOP = "Local stop"
_HOME_STOP_DRAWS = {"London": 5, "Berlin": 4, "Shanghai": 4}
#: stops near the office, where a last mile starts.
_OFFICE_STOPS = {
    "London": ("London Waterloo", "London Bridge", "Liverpool Street", "Canary Wharf Pier"),
    "Berlin": ("Berlin Ostkreuz", "Berlin Friedrichstraße", "Alexanderplatz"),
    "Shanghai": ("人民广场 People's Square", "陆家嘴 Lujiazui", "静安寺 Jing'an Temple"),
}
#: every Activity column, so all bulk rows carry the same keys (one executemany).
EMPTY_ACTIVITY_ROW: dict[str, Any] = {
    c.key: None
    for c in Activity.__table__.columns
    if c.key not in ("id", "created_at", "updated_at")
}
_DAY_WEIGHTS = (3, 5, 5, 5, 2)  # Monday..Friday, for the office-day pattern


@dataclass(frozen=True)
class _Spec:
    key: str
    km: float
    office_days: int
    fuel: Fuel | None = None
    secondary: Mode | None = None
    share: int = 100
    switched_from_car: bool = False


#: the notable users' commutes, so a demo visitor finds them as described.
_NOTABLE_COMMUTES = {
    "priya.raman": _Spec("rail", 34.2, 3, secondary=Mode.BIKE, share=86),
    "aoife.oconnor": _Spec("bus", 6.8, 3, secondary=Mode.WALK, share=90),
    "juergen.weiss": _Spec("car", 23.5, 4, fuel=Fuel.HYBRID),
    "zoe.mueller": _Spec("ebike", 11.2, 4),
    "oliver.bennett": _Spec("walk", 2.1, 5),
    "jose.alvarez": _Spec("bike", 7.6, 4, switched_from_car=True),
    "zhang.wei": _Spec("subway", 16.4, 3, secondary=Mode.WALK, share=91),
}


@dataclass
class CommutePlan:
    person: Person
    #: oldest first; a switcher has a car profile and a newer one.
    profiles: list[CommuteProfile]
    weekdays: tuple[int, ...]
    home_stop: str
    office_stop: str


def _km(value: float) -> Decimal:
    return Decimal(repr(round(value, 1))).quantize(KM_STEP)


def _draw(rng: random.Random, person: Person, key: str) -> _Spec:
    """A plausible profile for the usual-mode key (``car:bev`` pins the fuel)."""
    key, _, fuel_name = key.partition(":")
    low, high, likely = _MODES[key][1]
    mode = _MODES[key][0]
    fuel = None
    if mode is Mode.CAR:
        fuels = _FUELS[person.office.name]
        fuel = (
            Fuel(fuel_name)
            if fuel_name
            else rng.choices([f for f, _ in fuels], weights=[w for _, w in fuels])[0]
        )
    secondary, share = None, 100
    if mode in _SECONDARY and rng.random() < _SECONDARY[mode][0]:
        _, options, (lo, hi) = _SECONDARY[mode]
        secondary = rng.choices([m for m, _ in options], weights=[w for _, w in options])[0]
        share = rng.randint(lo, hi)
    days = rng.choices((1, 2, 3, 4, 5), weights=(6, 20, 36, 22, 16))[0]
    return _Spec(key, rng.triangular(low, high, likely), days, fuel, secondary, share)


def _profile(
    rng: random.Random,
    person: Person,
    spec: _Spec,
    valid_from: date,
    feed: Feed | None,
    *,
    baseline: Mode,
) -> CommuteProfile:
    mode = _MODES[spec.key][0]
    office_days = spec.office_days
    remote = 5 - office_days if rng.random() < 0.9 else max(0, 4 - office_days)
    weeks = {"London": 46, "Berlin": 44, "Shanghai": 47}[person.office.name] - rng.randint(0, 1)
    occupants = None
    if mode is Mode.CAR:
        occupants = rng.choice((2, 2, 3, 4)) if spec.key == "carpool" else 1
    return CommuteProfile(
        employee_id=person.employee.id,
        valid_from=valid_from,
        usual_mode=mode,
        secondary_mode=spec.secondary,
        usual_mode_share_pct=spec.share,
        one_way_km=_km(spec.km),
        distance_source=DistanceSource.DECLARED,
        office_days_per_week=office_days,
        remote_days_per_week=remote,
        weeks_per_year=weeks,
        car_fuel=(spec.fuel or Fuel.PETROL) if mode is Mode.CAR else None,
        car_occupants=occupants,
        baseline_mode=baseline,
        source="survey" if feed else "self",
        import_run_id=feed.run.id if feed else None,
    )


def build_profiles(
    rng: random.Random, people: list[Person], today: date, survey: Feed
) -> list[CommutePlan]:
    """About 85% of staff declare a commute; a handful switched from the car this year."""
    notables = [p for p in people if p.handle]
    others = [p for p in people if not p.handle]
    holders = rng.sample(others, max(0, round(len(people) * PROFILE_SHARE) - len(notables)))
    holders.sort(key=lambda p: p.employee.employee_number or "")
    keys: dict[int, str] = {}
    for required in _REQUIRED:
        mode_key = required.partition(":")[0]
        fitting = [
            i
            for i, p in enumerate(holders)
            if i not in keys and dict(_OFFICE_MODES[p.office.name]).get(mode_key, 0) > 0
        ]
        if fitting:
            keys[rng.choice(fitting)] = required
    specs: list[tuple[Person, _Spec]] = [(p, _NOTABLE_COMMUTES[p.handle or ""]) for p in notables]
    for i, person in enumerate(holders):
        weights = _OFFICE_MODES[person.office.name]
        key = keys.get(i) or rng.choices([k for k, _ in weights], [w for _, w in weights])[0]
        spec = _draw(rng, person, key)
        switch = spec.key in ("bike", "ebike", "rail", "bus", "tram") and rng.random() < 0.07
        specs.append((person, replace(spec, switched_from_car=switch)))

    plans: list[CommutePlan] = []
    for person, spec in specs:
        feed = survey if rng.random() < 0.4 else None
        enrolled = today - timedelta(days=365 + rng.randint(10, 700))
        mode = _MODES[spec.key][0]
        if spec.switched_from_car:
            car_spec = _Spec(
                "car",
                spec.km * 1.15,
                spec.office_days,
                fuel=rng.choice((Fuel.PETROL, Fuel.DIESEL, Fuel.HYBRID)),
            )
            switched = today - timedelta(days=rng.randint(100, 260))
            profiles = [
                _profile(rng, person, car_spec, enrolled, feed, baseline=Mode.CAR),
                _profile(rng, person, spec, switched, None, baseline=Mode.CAR),
            ]
        else:
            baseline = mode if mode is Mode.CAR or rng.random() < 0.85 else Mode.CAR
            profiles = [_profile(rng, person, spec, enrolled, feed, baseline=baseline)]
        weekdays: list[int] = []
        while len(weekdays) < spec.office_days:
            day = rng.choices(range(5), weights=_DAY_WEIGHTS)[0]
            if day not in weekdays:
                weekdays.append(day)
        rng.choice(range(_HOME_STOP_DRAWS[person.office.name]))  # the draw of a named stop
        plans.append(
            CommutePlan(
                person,
                profiles,
                tuple(sorted(weekdays)),
                HOME_STOP,
                rng.choice(_OFFICE_STOPS[person.office.name]),
            )
        )
    return plans
