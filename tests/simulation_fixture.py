"""A small period for the points-policy simulator: eight employees in four departments, a
handful of commutes in March 2026, and a policy whose rates are per trip or per km (so its
points do not depend on emission factors) with caps per trip, per day and per month.

What the caps do, in the order the trips were recorded (employee A, cycling 100 points a
trip, at most 2 commute trips a day, 150 points a day, 300 points of cycling a month):
2 March: 100, then 50 (day cap: 50 cut), then a third trip that day earns nothing (100 cut);
3 March: 100, then 50 (day cap again: 50 cut). A earns 300.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

POLICY_TOML = """\
id = "test-2026"
title = "Test policy: per trip"
source = "tests/simulation_fixture.py"

[[rates]]
behaviour = "commute_bike"
points = "100"
per = "trip"

[[rates]]
behaviour = "commute_bus"
points = "30"
per = "trip"

[[rates]]
behaviour = "commute_walk"
points = "50"
per = "trip"

[[rates]]
behaviour = "electric_car"
points = "2"
per = "km"

[[caps]]
period = "trip"
behaviour = "electric_car"
points = 30

[[caps]]
period = "day"
behaviour = "all"
points = 150

[[caps]]
period = "month"
behaviour = "commute_bike"
points = 300
"""

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)


@dataclass(frozen=True)
class Commute:
    employee: str
    mode: str
    km: str
    day: int
    fuel: str | None = None


#: employee -> department; Legal and HR have one person each (merged into "Other" when
#: groups need 2 people), Sales has two.
DEPARTMENTS = {
    "A": "Engineering", "B": "Engineering", "C": "Engineering",
    "D": "Sales", "E": "Sales", "G": "Legal", "H": "HR",
}  # fmt: skip
MIN_GROUP_SIZE = 2
POINT_VALUE = Decimal("0.01")

#: in the order they are recorded.
COMMUTES = (
    Commute("A", "bike", "5", 2),
    Commute("A", "bike", "5", 2),
    Commute("A", "bike", "5", 2),  # a third commute that day: over the count cap
    Commute("A", "bike", "5", 3),
    Commute("A", "bike", "5", 3),
    Commute("B", "bus", "8", 2),
    Commute("B", "bus", "8", 2),
    Commute("C", "walk", "2", 2),
    Commute("D", "car", "20", 4, fuel="bev"),  # 40 points, cut to 30 by the trip cap
    Commute("E", "car", "15", 4, fuel="petrol"),  # nothing avoided: no points
    Commute("G", "bike", "5", 5),
    Commute("H", "bus", "8", 5),
)

#: the simulator's figures for this period under the test policy.
POINTS = 570  # A 300, B 60, C 50, D 30, E 0, G 100, H 30
BY_BEHAVIOUR = [
    ("commute_bike", 400, "70.2"),
    ("commute_bus", 90, "15.8"),
    ("commute_walk", 50, "8.8"),
    ("electric_car", 30, "5.3"),
]
#: Engineering and Sales shown; Legal and HR (one person each) merged into Other.
BY_DEPARTMENT = [("Engineering", 3, 410, "71.9"), ("Sales", 2, 30, "5.3")]
OTHER_DEPARTMENTS = (2, 130, "22.8")
TOP_TENTH_SHARE = "52.6"  # one person of seven: A's 300 of 570
MEDIAN = 50  # 300, 100, 60, 50, 30, 30, 0
CAPPED = [
    ("commute_trips_per_day", 100, 1),
    ("per_day:all", 100, 2),
    ("per_trip:electric_car", 10, 1),
]
#: 570 points / 7 employees x 365 / 31 days; in money at 0.01 a point.
PER_EMPLOYEE_YEAR = Decimal("959")
MONEY_PER_EMPLOYEE_YEAR = Decimal("9.59")
