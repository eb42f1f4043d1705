"""The company overview served from stored figures against computed on request, on a database
built by ``bench_pages.py --keep --build-only`` (or any corp-carbon database):

    .venv/bin/python benchmarks/bench_pages.py --employees 2000 --keep --build-only
    .venv/bin/python benchmarks/bench_overview.py postgresql+psycopg://postgres@127.0.0.1:5432/bench_pages_x

For each period it times the page computed inline (its stored figures deleted before each
request, as for a period asked for the first time) and the page read from the figures the
scheduler stored, as an administrator and as HR, in one process through the test client.
It deletes the overview's stored figures of the database it measures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from benchmarks import page_data
from benchmarks.bench_pages import FLOOR, floor_view, percentile
from corp_carbon import create_app
from corp_carbon.config.sections import ReportsSection
from corp_carbon.db.models import Activity, Employee, OverviewSnapshot
from corp_carbon.services.reports import overview_snapshots as snapshots
from corp_carbon.web.access import SESSION_EMPLOYEE, SESSION_LOGIN_METHOD, SESSION_ROLES
from corp_carbon.web.state import EXTENSION_KEY, CarbonState

PERIODS = ("this-month", "this-year")
#: the largest ``[reports] overview_inline_limit`` accepted: every period computed inline.
INLINE_ALWAYS = 100_000_000


def _client(app_client: FlaskClient, employee_id: int, role: str) -> FlaskClient:
    with app_client.session_transaction() as session:
        session[SESSION_EMPLOYEE] = employee_id
        session[SESSION_ROLES] = [role]
        session[SESSION_LOGIN_METHOD] = "test"
    return app_client


def _time(
    get: Callable[[], None], rounds: int, before: Callable[[], None] | None = None
) -> list[float]:
    samples = []
    for _ in range(rounds):
        if before is not None:
            before()
        start = time.perf_counter()
        get()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _line(label: str, samples: list[float]) -> str:
    return (
        f"{label:<44} median {statistics.median(samples):>9.1f} ms   "
        f"p95 {percentile(samples, 0.95):>9.1f} ms   p99 {percentile(samples, 0.99):>9.1f} ms   "
        f"({len(samples)} requests)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="SQLAlchemy URL of a built database")
    parser.add_argument("--inline-rounds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    settings = page_data.settings_for(args.url, tempfile.mkdtemp(prefix="bench-overview-"))
    # every period computed while the page waits, to time that against the stored figures
    reports = ReportsSection(overview_inline_limit=INLINE_ALWAYS)
    app = create_app(settings.model_copy(update={"reports": reports}))
    app.config["TESTING"] = True
    app.add_url_rule(FLOOR, view_func=floor_view, endpoint="bench_floor")
    state: CarbonState = app.extensions[EXTENSION_KEY]
    with state.uow() as uow:
        someone = uow.session.scalar(sa.select(sa.func.min(Employee.id)))
        employees = uow.session.scalar(sa.select(sa.func.count()).select_from(Employee))
        activities = uow.session.scalar(sa.select(sa.func.count()).select_from(Activity))
    assert someone is not None
    print(f"{args.url}: {employees:,} employees, {activities:,} activities")

    def forget() -> None:
        with state.uow() as uow:
            uow.session.execute(sa.delete(OverviewSnapshot))
            uow.commit()

    floor_client = _client(app.test_client(), someone, "admin")

    def get_floor() -> None:
        floor_client.get(FLOOR)

    floor = _time(get_floor, args.rounds)
    floor_ms = statistics.median(floor)
    print(_line("floor (one row, a tiny template)", floor))
    for role in ("admin", "hr"):
        client = _client(app.test_client(), someone, role)
        for name in PERIODS:
            path = f"/admin?period={name}"

            def get(path: str = path, client: FlaskClient = client) -> None:
                response = client.get(path)
                if response.status_code != 200 or b'data-figure="as-of"' not in response.data:
                    raise SystemExit(f"GET {path}: {response.status_code}, no figures")

            inline = _time(get, args.inline_rounds, before=forget)
            forget()
            snapshots.refresh_presets(state.uow, state.report_uow, state.settings)
            get()  # warm
            stored = _time(get, args.rounds)
            print(_line(f"{role:<5} {name:<10} computed on request", inline))
            print(_line(f"{role:<5} {name:<10} from the stored figures", stored))
            ratio = statistics.median(inline) / statistics.median(stored)
            to_floor = statistics.median(stored) / floor_ms
            print(f"{'':<44} {ratio:,.0f} times faster; stored = {to_floor:.1f} x the floor")
    forget()
    state.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
