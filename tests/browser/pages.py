"""Every page a person can open, in one list: the walker visits each at both widths and in
both languages. An endpoint the app has not registered (a page still being built) is
skipped; a page that needs an id takes the first one the demo database holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import Activity, Employee, ImportRun, ReportJob, Reward

Finder = Callable[[Session, int], dict[str, object] | None]


@dataclass(frozen=True)
class Spec:
    """A page: its name in test ids and screenshots, endpoint, the role it is opened in,
    and the URL arguments (from the database, given the signed-in employee's id)."""

    name: str
    endpoint: str
    role: str = "employee"
    arguments: Finder | None = None
    query: str = ""
    #: a fixed path instead of an endpoint (the error pages)
    path: str = ""


def _own_trip(session: Session, employee_id: int) -> dict[str, object] | None:
    found = session.scalar(
        sa.select(Activity.id)
        .where(Activity.employee_id == employee_id)
        .order_by(Activity.id.desc())
        .limit(1)
    )
    return None if found is None else {"activity_id": found}


def _first(column: sa.orm.InstrumentedAttribute[int], name: str) -> Finder:
    def find(session: Session, employee_id: int) -> dict[str, object] | None:
        found = session.scalar(sa.select(sa.func.min(column)))
        return None if found is None else {name: found}

    return find


def _myself(session: Session, employee_id: int) -> dict[str, object] | None:
    return {"employee_id": employee_id}


def _someone_else(session: Session, employee_id: int) -> dict[str, object] | None:
    found = session.scalar(sa.select(sa.func.min(Employee.id)).where(Employee.id != employee_id))
    return None if found is None else {"employee_id": found}


PAGES: tuple[Spec, ...] = (
    # the employee's pages
    Spec("home", "carbon.home"),
    Spec("trips", "carbon.trips"),
    Spec("trip", "carbon.trip_detail", arguments=_own_trip),
    Spec("commute", "carbon.commute"),
    Spec("compare", "carbon.compare", query="from=London&to=Paris"),
    Spec("rewards", "carbon.rewards"),
    Spec("points", "carbon.points"),
    Spec("my-data", "carbon.my_data"),
    Spec("team", "carbon.team"),
    Spec("widget", "carbon.widget"),
    # administration (an administrator holds every role's pages)
    Spec("admin", "carbon.admin_overview", role="admin"),
    Spec("admin-employees", "carbon.admin_employees", role="admin"),
    Spec("admin-employee", "carbon.admin_employee", role="admin", arguments=_myself),
    Spec("admin-erasures", "carbon.admin_erasures", role="admin"),
    Spec("admin-erase", "carbon.admin_erasure_confirm", role="admin", arguments=_someone_else),
    Spec("admin-rewards", "carbon.admin_rewards", role="admin"),
    Spec("admin-reward-new", "carbon.admin_reward_new", role="admin"),
    Spec(
        "admin-reward-edit",
        "carbon.admin_reward_edit",
        role="admin",
        arguments=_first(Reward.id, "reward_id"),
    ),
    Spec("admin-redemptions", "carbon.redemption_desk", role="admin"),
    Spec("admin-imports", "carbon.admin_imports", role="admin"),
    Spec(
        "admin-import-run",
        "carbon.admin_import_run",
        role="admin",
        arguments=_first(ImportRun.id, "run_id"),
    ),
    Spec("admin-reports", "carbon.admin_reports", role="admin"),
    Spec(
        "admin-report",
        "carbon.admin_report",
        role="admin",
        arguments=_first(ReportJob.id, "report_id"),
    ),
    Spec("admin-methodology", "carbon.admin_methodology", role="admin"),
    Spec("admin-audit", "carbon.admin_audit", role="admin"),
    Spec("admin-tokens", "carbon.admin_tokens", role="admin"),
    # pages for everyone
    Spec("dev-login", "carbon.dev_login"),
    Spec("not-found", "", path="/no-such-page"),
    Spec("forbidden", "", path="/admin/audit"),
)
