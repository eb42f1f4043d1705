# ruff: noqa: S608  (SQL built from the copied tables' names, never from input)
"""The data behind the employee-page benchmark: a company of N employees with a year each.

Built in two stages, so the figures on the pages are real and the build still takes minutes:

1. **Templates, through the product.** The demo company (``demo.generate.seed_demo``, 100
   people: commute profiles, a year of commutes and business trips, exchanges, duplicates)
   is scored by the real engine (``assess_activities``: assessments with their trails),
   credited (``post_earnings``) and given redemptions through the rewards service. The
   measured employee is the demo's busiest traveller, given the year of the next busiest
   as well before scoring (about 400 activities), plus redemptions in every state.
2. **Replicas, in SQL.** The templates with at least 50 activities are copied, whole, as
   many times as it takes to reach N employees: employees, roles, commute profiles,
   journeys, activities, assessments, ledger accounts, transactions and entries, and
   redemptions. Each copy shifts every id by a per-table stride and gives unique strings
   a suffix, so every reference stays consistent. The copies are ``INSERT ... SELECT``
   statements run by the database itself (no row crosses to Python), batched over a
   table of copy numbers; PostgreSQL skips its foreign-key triggers while loading
   (``session_replication_role = replica``), the rows being consistent by construction,
   and the append-only big tables get their plain indexes once, at the end.
   The replicas' assessments carry an empty trail, as bulk imports store them (the pages
   rebuild it on demand); the measured employee's keep theirs.

The copies are spread over 40 departments and 5 offices (each activity's department and
office follow its employee), and one in five opts into the leaderboard; the 100 templates
keep the demo's own (8 departments, 7 of them among the 40, in London, Berlin and Shanghai).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from benchmarks import page_copies
from corp_carbon.config import Settings, load_settings
from corp_carbon.db import migrate
from corp_carbon.db.models import Activity, Employee, Journey, Reward
from corp_carbon.db.session import (
    SessionFactory,
    UnitOfWork,
    make_engine,
    make_session_factory,
)
from corp_carbon.demo.generate import seed_demo
from corp_carbon.demo.setup import _redeem_some
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import Actor
from corp_carbon.services.ledger.earnings import post_earnings
from corp_carbon.services.rewards import redemptions
from corp_carbon.services.scoring.assessments import assess_activities

#: the demo company every replica is copied from (half the company in small builds).
TEMPLATE_EMPLOYEES = 100
#: the smallest company built: half of it templates, and the demo needs at least 25.
MIN_EMPLOYEES = 50


@dataclass
class Built:
    url: str
    employees: int
    measured_id: int
    #: rows per table after the build.
    rows: dict[str, int] = field(default_factory=dict)
    #: seconds per stage: templates, replicas, indexes/analyse.
    seconds: dict[str, float] = field(default_factory=dict)


def settings_for(url: str, instance: str) -> Settings:
    return load_settings(
        {
            "app": {"mode": "development", "secret_key": "bench-secret", "instance_path": instance},
            "database": {"url": url},
            "session": {"cookie_secure": False},
            "logging": {"format": "text", "level": "WARNING"},
        },
        environ={},
    )


def build(
    url: str,
    employees: int,
    *,
    instance: str,
    seed: int = 2026,
    today: date | None = None,
    years: int = 1,
    say: Callable[[str], None] = print,
) -> Built:
    """Migrates the empty database at ``url`` and fills it; returns what was built. With
    ``years`` > 1 the replicas' years are spread over that many years back (the templates
    keep the current one), for reports over a long history."""
    if employees < MIN_EMPLOYEES:
        raise ValueError(f"--employees: at least {MIN_EMPLOYEES}")
    templates = min(TEMPLATE_EMPLOYEES, employees // 2)
    settings = settings_for(url, instance)
    clock = time.perf_counter()
    migrate.upgrade(url)
    measured = _templates(settings, templates, seed, today)
    built = Built(url=url, employees=employees, measured_id=measured)
    built.seconds["templates"] = time.perf_counter() - clock
    say(f"  templates: {templates} employees scored ({built.seconds['templates']:.1f} s)")
    clock = time.perf_counter()
    engine = sa.create_engine(url)  # no foreign-key pragma on SQLite: loading, not serving
    try:
        page_copies.replicate(engine, templates, employees, say, years=years)
        built.seconds["replicas"] = time.perf_counter() - clock
        clock = time.perf_counter()
        page_copies.finish(engine)
        built.seconds["analyse"] = time.perf_counter() - clock
        with engine.connect() as conn:
            for table in page_copies.TABLES:
                built.rows[table.name] = int(
                    conn.scalar(sa.text(f"SELECT count(*) FROM {table.name}")) or 0
                )
    finally:
        engine.dispose()
    return built


# --- stage 1: the templates, through the product ----------------------------------------------


def _templates(settings: Settings, templates: int, seed: int, today: date | None) -> int:
    """The demo company, scored and credited; returns the measured employee's id."""
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    try:
        with UnitOfWork(factory) as uow:
            seed_demo(uow.session, seed=seed, employees=templates, today=today)
            uow.session.flush()
            busiest = uow.session.execute(
                sa.select(Activity.employee_id, sa.func.count())
                .group_by(Activity.employee_id)
                .order_by(sa.func.count().desc(), Activity.employee_id)
                .limit(2)
            ).all()
            measured, donor = busiest[0][0], busiest[1][0]
            # the next busiest's year moves over: about 400 activities for the measured one
            for model in (Activity, Journey):
                uow.session.execute(
                    sa.update(model).where(model.employee_id == donor).values(employee_id=measured)
                )
            uow.session.execute(
                sa.update(Employee).where(Employee.id == measured).values(leaderboard_opt_in=True)
            )
            uow.commit()
        assess_activities(UnitOfWork(factory), settings)
        post_earnings(UnitOfWork(factory), settings)
        _redeem_some(factory)
        _redeem_for(factory, measured)
    finally:
        engine.dispose()
    return int(measured)


def _redeem_for(factory: SessionFactory, employee_id: int) -> None:
    """A few redemptions of the measured employee: one waiting, one fulfilled, one rejected."""
    hr = Actor(label="bench:hr")
    with UnitOfWork(factory) as uow:
        rewards = uow.session.scalars(
            sa.select(Reward).where(Reward.active.is_(True)).order_by(Reward.cost_points)
        ).all()
        reward_ids = [r.id for r in rewards][:4]
    made = []
    for n, reward_id in enumerate(reward_ids):
        try:
            done = redemptions.request_redemption(
                UnitOfWork(factory),
                hr,
                employee_id=employee_id,
                reward_id=reward_id,
                request_key=f"bench-{employee_id}-{n}",
            )
        except DomainError:
            continue
        made.append(done.redemption)
    waiting = [r for r in made if r.status.value == "requested"]
    if waiting:
        redemptions.approve(UnitOfWork(factory), hr, waiting[0].id)
        redemptions.fulfil(UnitOfWork(factory), hr, waiting[0].id, voucher_code="BENCH-1")
    if len(waiting) > 1:
        redemptions.reject(UnitOfWork(factory), hr, waiting[1].id, reason="out of stock")
