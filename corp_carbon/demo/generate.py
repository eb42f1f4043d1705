"""Seeds a session with the demo company: staff, commutes, a year of trips, imports, rewards."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.orm import Session

from corp_carbon.db.models import Activity, CommuteProfile, Journey, Reward
from corp_carbon.demo.commute_logs import build_commutes
from corp_carbon.demo.commutes import build_profiles
from corp_carbon.demo.people import (
    LOCALES,
    LOGIN_ORDER,
    Person,
    assign_grades,
    assign_managers,
    build_people,
)
from corp_carbon.demo.sources import create_feeds, finish_runs
from corp_carbon.demo.trips import build_business_travel
from corp_carbon.domain.vocabulary import ActivityStatus, RewardKind

MIN_EMPLOYEES = 25


@dataclass(frozen=True)
class DemoSummary:
    employees: int
    departments: int
    offices: int
    activities: int
    journeys: int
    commute_profiles: int
    rewards: int
    cancelled: int
    replaced: int
    #: (email, name, role) of the users to log in as: admin, hr, sustainability, 2 employees.
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def seed_demo(
    session: Session, *, seed: int = 2026, employees: int = 200, today: date | None = None
) -> DemoSummary:
    """Adds the demo company to ``session`` and flushes; the caller commits (or rolls back).

    The same ``seed`` and ``today`` give the same rows (ids aside, which the database picks).
    Trips and commutes fall in the 365 days before ``today``.
    """
    if employees < MIN_EMPLOYEES:
        raise ValueError(f"the demo needs at least {MIN_EMPLOYEES} employees, got {employees}")
    today = today or date.today()
    rng = random.Random(seed)
    fake = Faker(list(LOCALES))
    fake.seed_instance(seed)

    people = build_people(rng, fake, employees, today)
    session.add_all(p.employee for p in people)
    session.flush()
    assign_managers(rng, people)
    assign_grades(people)
    feeds = create_feeds(session, today=today, seed=seed)

    plans = build_profiles(rng, people, today, feeds.survey)
    profiles: list[CommuteProfile] = [p for plan in plans for p in plan.profiles]
    travel = build_business_travel(rng, people, today, feeds)
    commutes = build_commutes(rng, plans, travel.busy, today, feeds.survey)
    activities: list[Activity] = travel.activities
    journeys: list[Journey] = [*travel.journeys, *commutes.distinct_journeys()]
    rewards = build_rewards(today)

    finish_runs(session, feeds, activities, commutes.rows, profiles, today=today)
    session.add_all(profiles)
    session.add_all(journeys)
    session.add_all(activities)
    session.add_all(rewards)
    # The links go in with the rows: the database checks that a replaced activity names its
    # successor and a duplicate its original.
    for original, replacement in travel.exchanges:
        original.replaced_by = replacement
    for duplicate, original in travel.duplicates:
        duplicate.duplicate_of = original
    session.flush()
    commutes.link_journeys()
    if commutes.rows:
        session.execute(sa.insert(Activity), commutes.rows)
    session.flush()
    statuses = [a.status for a in activities] + [r["status"] for r in commutes.rows]

    return DemoSummary(
        employees=len(people),
        departments=len({p.department.name for p in people}),
        offices=len({p.office.name for p in people}),
        activities=len(statuses),
        journeys=len(journeys),
        commute_profiles=len(profiles),
        rewards=len(rewards),
        cancelled=statuses.count(ActivityStatus.CANCELLED),
        replaced=statuses.count(ActivityStatus.REPLACED),
        logins=_logins(people),
    )


def _logins(people: list[Person]) -> list[tuple[str, str, str]]:
    by_handle = {p.handle: p for p in people if p.handle}
    logins = []
    for handle in LOGIN_ORDER:
        employee = by_handle[handle].employee
        role = employee.role_names[-1]  # their one extra role, else "employee"
        logins.append((employee.email, employee.name, role))
    return logins


def build_rewards(today: date) -> list[Reward]:
    """The catalogue: vouchers, perks and donations to named climate projects."""
    season_start = datetime.combine(today - timedelta(days=30), time(0, 0), tzinfo=UTC)

    def reward(
        name: str,
        kind: RewardKind,
        cost: int,
        description: str,
        *,
        stock: int | None = None,
        limit: int | None = None,
        period: str = "year",
        auto: bool = False,
        project: str | None = None,
        until_days: int | None = None,
    ) -> Reward:
        return Reward(
            name=name,
            kind=kind,
            cost_points=cost,
            description=description,
            stock=stock,
            per_person_limit=limit,
            limit_period=period,
            auto_approve=auto,
            project_name=project,
            active=True,
            active_from=season_start if until_days else None,
            active_until=season_start + timedelta(days=until_days) if until_days else None,
        )

    return [
        reward(
            "Rail travel voucher (€30 / £25 / ¥200)",
            RewardKind.VOUCHER,
            3_000,
            "A voucher for any national rail operator, sent by email.",
            limit=4,
        ),
        reward(
            "Bike shop voucher (€50)",
            RewardKind.VOUCHER,
            5_000,
            "Spend it on lights, locks or a new saddle at a partner bike shop.",
            stock=40,
            limit=2,
        ),
        reward(
            "Public transport pass, one month",
            RewardKind.VOUCHER,
            12_000,
            "One month of the local travelcard, Deutschlandticket or Shanghai transport card.",
            stock=20,
            limit=1,
            period="quarter",
        ),
        reward(
            "Extra remote working day",
            RewardKind.PERK,
            2_000,
            "One additional day working from home; your manager confirms the date.",
            limit=1,
            period="month",
        ),
        reward(
            "Bike service at the office",
            RewardKind.PERK,
            800,
            "A mechanic visits each office monthly; book a slot for a full service.",
            stock=60,
            limit=2,
            auto=True,
        ),
        reward(
            "E-bike leasing contribution",
            RewardKind.PERK,
            20_000,
            "The company pays three months of your e-bike lease.",
            stock=10,
            limit=1,
            period="ever",
        ),
        reward(
            "Winter cycling kit",
            RewardKind.VOUCHER,
            2_500,
            "Gloves, lights and a waterproof jacket for the dark months.",
            stock=30,
            limit=1,
            until_days=120,
        ),
        reward(
            "Peatland restoration, Scotland",
            RewardKind.DONATION,
            1_000,
            "Rewetting drained peat bogs in the Flow Country.",
            project="Peatland restoration, Scotland",
            auto=True,
        ),
        reward(
            "Mangrove restoration, Kenya",
            RewardKind.DONATION,
            1_000,
            "Community mangrove planting and protection in Gazi Bay (Mikoko Pamoja).",
            project="Mikoko Pamoja mangroves, Kenya",
            auto=True,
        ),
        reward(
            "Peatland rewetting, Brandenburg",
            RewardKind.DONATION,
            500,
            "MoorFutures rewetting of former farmland north of Berlin.",
            project="MoorFutures, Brandenburg",
            auto=True,
        ),
    ]
