"""Building the demo: settings that enable the development login, a fresh database, the seed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.config import Settings, load_settings
from corp_carbon.db import migrate
from corp_carbon.db.models import LedgerAccount, LedgerEntry
from corp_carbon.db.session import SessionFactory, UnitOfWork, make_session_factory
from corp_carbon.demo.commute_entries import log_this_month
from corp_carbon.demo.generate import DemoSummary, seed_demo
from corp_carbon.demo.imports import import_demo_exports
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import RedemptionStatus
from corp_carbon.runtime import engine_for
from corp_carbon.services.ledger.earnings import post_earnings
from corp_carbon.services.rewards import redemptions
from corp_carbon.services.rewards.catalogue import list_rewards
from corp_carbon.services.scoring.assessments import assess_activities


def demo_settings(database: Path) -> Settings:
    """Demo mode: SQLite file, development login on, plain-http cookies, readable logs."""
    return load_settings(
        {
            "app": {
                "mode": "demo",
                "company_name": "Demo Corp",
                "instance_path": str(database.parent),
            },
            "database": {"url": f"sqlite:///{database.resolve()}"},
            "dev_login": {"enabled": True},
            "session": {"cookie_secure": False},
            "logging": {"format": "text"},
        }
    )


def build_demo_database(settings: Settings, *, seed: int, employees: int) -> DemoSummary:
    """Replaces the SQLite file with a migrated database full of demo data."""
    url = settings.database_url
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    migrate.upgrade(url)
    engine = engine_for(settings)
    try:
        factory = make_session_factory(engine)
        return fill_demo(
            factory, settings, seed=seed, employees=employees, exports=path.parent / "demo-exports"
        )
    finally:
        engine.dispose()


def fill_demo(
    factory: SessionFactory,
    settings: Settings,
    *,
    seed: int,
    employees: int,
    exports: Path,
    today: date | None = None,
) -> DemoSummary:
    """Fills a migrated, empty database (SQLite or PostgreSQL) with the demo company: a year
    of trips and commutes before ``today``, assessed and credited, two import runs through
    the real pipeline (their file written to ``exports``), this month's logged commutes and
    a few redemptions."""
    with UnitOfWork(factory) as uow:
        summary = seed_demo(uow.session, seed=seed, employees=employees, today=today)
        uow.commit()
    assess_activities(UnitOfWork(factory), settings)
    post_earnings(UnitOfWork(factory), settings)
    import_demo_exports(factory, settings, exports)
    log_this_month(factory, settings, [login[0] for login in summary.logins], seed=seed)
    _redeem_some(factory)
    return summary


def _redeem_some(factory: SessionFactory) -> None:
    """A few redemptions in every state, so the rewards and HR pages show a working desk."""
    hr = Actor(label="demo:hr")
    with UnitOfWork(factory) as uow:
        catalogue = list_rewards(uow.session, active_only=True)
        richest = (
            uow.session.execute(
                sa.select(LedgerAccount.employee_id)
                .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
                .where(LedgerAccount.employee_id.is_not(None))
                .group_by(LedgerAccount.employee_id)
                .order_by(sa.func.sum(LedgerEntry.amount).desc())
                .limit(8)
            )
            .scalars()
            .all()
        )
    cheap = [r for r in catalogue if r.cost_points <= 3_000]
    made = []
    for n, employee_id in enumerate(e for e in richest if e is not None):
        reward = cheap[n % len(cheap)]
        try:
            done = redemptions.request_redemption(
                UnitOfWork(factory), hr, employee_id=employee_id, reward_id=reward.id,
                request_key=f"demo-{employee_id}-{reward.id}",
            )  # fmt: skip
        except DomainError:
            continue  # a limit or the stock said no: the demo takes what it gets
        made.append(done.redemption)
    waiting = [r for r in made if r.status is RedemptionStatus.REQUESTED]
    if waiting:  # one handed over, one rejected, the rest left for HR to decide
        redemptions.approve(UnitOfWork(factory), hr, waiting[0].id)
        redemptions.fulfil(UnitOfWork(factory), hr, waiting[0].id, voucher_code="DEMO-RAIL-2731")
    if len(waiting) > 1:
        redemptions.reject(UnitOfWork(factory), hr, waiting[1].id, reason="budget for this quarter")
    approved = [r for r in made if r.status is RedemptionStatus.APPROVED]
    if approved:
        redemptions.fulfil(UnitOfWork(factory), hr, approved[0].id, note="handed over in Berlin")


def describe(summary: DemoSummary, database: Path) -> str:
    lines = [
        f"demo database: {database}",
        f"  {summary.employees} employees in {summary.departments} departments and "
        f"{summary.offices} offices",
        f"  {summary.activities} activities ({summary.journeys} journeys, "
        f"{summary.cancelled} cancelled, {summary.replaced} replaced by ticket exchanges)",
        f"  {summary.commute_profiles} commute profiles, {summary.rewards} rewards",
        "  try these logins:",
    ]
    lines += [f"    {role:<15} {name} <{email}>" for email, name, role in summary.logins]
    return "\n".join(lines)
