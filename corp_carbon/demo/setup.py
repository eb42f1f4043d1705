"""Building the demo: settings that enable the development login, a fresh database, the seed."""

from __future__ import annotations

from pathlib import Path

from corp_carbon.config import Settings, load_settings
from corp_carbon.db import migrate
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.demo.generate import DemoSummary, seed_demo
from corp_carbon.services.assessments import assess_activities
from corp_carbon.services.earnings import post_earnings


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
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with UnitOfWork(factory) as uow:
            summary = seed_demo(uow.session, seed=seed, employees=employees)
            uow.commit()
        assess_activities(UnitOfWork(factory), settings)
        post_earnings(UnitOfWork(factory), settings)
    finally:
        engine.dispose()
    return summary


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
