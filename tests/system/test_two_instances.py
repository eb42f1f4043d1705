"""Past one machine: two ``corp-carbon serve`` instances and two schedulers over one database.

PostgreSQL only: it is the system of record that stateless instances on several hosts share
(SQLite is one file on one host), and the scheduler's leadership across hosts is its
advisory lock. Everything runs as production does: real gunicorn processes with two sync
workers each, on two ports, with bearer tokens, and real ``corp-carbon scheduler`` processes.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from corp_carbon.db.models import ImportRun
from corp_carbon.db.session import UnitOfWork, make_engine
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people.employees import add_employee
from corp_carbon.services.people.tokens import create_token
from tests.integration.test_redemptions import (
    _balance,
    _holds,
    _ledger_total,
    _person,
    _redemption_account,
    _redemptions,
    _reward,
)
from tests.integration.test_scheduler import pull_across_a_fail_over
from tests.serve_process import Served, production_config
from tests.support import OPERATOR, add_directory

pytestmark = pytest.mark.slow

PEOPLE = 5
ATTEMPTS = 10  # per person: 50 redemptions in all
POINTS = 7000  # 7 redemptions of 1000 points each, then the balance runs out
_keys = itertools.count()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """The folder the schedulers' source "drop" pulls from."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def config(pg_url: str, inbox: Path, tmp_path: Path) -> Path:
    """One production config for every process: redemptions limited per person far above
    this test's 10 (the ledger decides, not the limiter), and a folder source pulled every
    second by whichever scheduler leads."""
    return production_config(
        tmp_path,
        pg_url,
        f"""[limits]
redemptions = "100 per minute"
[scheduler]
leader_retry_seconds = 1
[[sources]]
name = "drop"
connector = "navan"
location = "{inbox}"
schedule = "every 1s"
settle_seconds = 0
""",
    )


@pytest.fixture
def instances(config: Path, tmp_path: Path) -> Iterator[tuple[Served, Served]]:
    """Two instances of one config: same secrets, same database, two ports."""
    pair = (Served(config, tmp_path), Served(config, tmp_path))
    try:
        for served in pair:
            served.wait_ready()
        yield pair
    finally:
        statuses = [served.stop() for served in pair]
    assert statuses == [0, 0]
    assert not any("Traceback" in served.stderr() for served in pair)


def _token(
    uow: UnitOfWork, actor: Actor, role: Role = Role.EMPLOYEE, scopes: tuple[str, ...] = ()
) -> dict[str, str]:
    raw, _ = create_token(
        uow, OPERATOR, employee=actor.label, role=role, name="test", scopes=scopes
    )
    return {"Authorization": f"Bearer {raw}"}


def _balances(instance: Served, tokens: list[dict[str, str]]) -> list[int]:
    answers = [instance.get("/api/v1/me", headers=headers) for headers in tokens]
    assert [a.status_code for a in answers] == [200] * len(tokens)
    return [a.json()["balance"] for a in answers]


def test_redemptions_spread_over_two_instances_stay_exact(
    pg_uow: UnitOfWork, instances: tuple[Served, Served]
) -> None:
    people = [_person(pg_uow, POINTS) for _ in range(PEOPLE)]
    tokens = [_token(pg_uow, actor) for _, actor in people]
    reward_id = _reward(pg_uow, cost_points=1000)
    ledger = [_balance(pg_uow, employee_id) for employee_id, _ in people]
    assert ledger == [POINTS] * PEOPLE
    for instance in instances:  # either instance reads the ledger as it is
        assert _balances(instance, tokens) == ledger

    requests_made = [(p, a) for a in range(ATTEMPTS) for p in range(PEOPLE)]
    barrier = threading.Barrier(len(requests_made), timeout=60)

    def redeem(number: int) -> tuple[int, int, int]:
        person, _ = requests_made[number]
        instance = instances[number % 2]
        barrier.wait()
        try:
            answer = instance.post(
                "/api/v1/redemptions",
                json={"reward_id": reward_id},
                headers={**tokens[person], "Idempotency-Key": f"race-{next(_keys)}"},
            )
        except requests.RequestException:
            return person, number % 2, -1
        return person, number % 2, answer.status_code

    with ThreadPoolExecutor(max_workers=len(requests_made)) as pool:
        outcomes = list(pool.map(redeem, range(len(requests_made))))

    per_person = {p: Counter(s for who, _, s in outcomes if who == p) for p in range(PEOPLE)}
    assert per_person == {p: Counter({201: 7, 409: 3}) for p in range(PEOPLE)}
    served = Counter(instance for _, instance, _ in outcomes)
    assert served == {0: 25, 1: 25}
    for instance in instances:  # each instance's own access log shows its half
        posts = [line for line in instance.access_log() if line["path"] == "/api/v1/redemptions"]
        assert len(posts) == 25
    assert _holds(pg_uow) == _redemptions(pg_uow) == PEOPLE * 7
    assert _redemption_account(pg_uow) == PEOPLE * 7 * 1000
    assert _ledger_total(pg_uow) == 0  # double entry: every point taken went somewhere
    ledger = [_balance(pg_uow, employee_id) for employee_id, _ in people]
    assert ledger == [0] * PEOPLE
    for instance in instances:
        assert _balances(instance, tokens) == ledger


def _runs(database: str) -> list[tuple[int, str]]:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(ImportRun.id, ImportRun.file_name).order_by(ImportRun.id)
            )
            return [(row.id, row.file_name) for row in rows]
    finally:
        engine.dispose()


def test_two_schedulers_one_leader_beside_two_instances(
    pg_url: str,
    pg_uow: UnitOfWork,
    config: Path,
    inbox: Path,
    instances: tuple[Served, Served],
    tmp_path: Path,
) -> None:
    ops = add_employee(pg_uow, OPERATOR, email="ops@example.com", name="Ops", roles=("admin",))
    admin = _token(pg_uow, Actor(label=ops.email, employee_id=ops.id), Role.ADMIN, ("import",))
    add_directory(partial(add_employee, pg_uow, OPERATOR))  # the export's travellers
    processes = pull_across_a_fail_over(config, inbox, tmp_path)
    assert sum(p.text().count("this scheduler is the leader") for p in processes) == 2
    runs = _runs(pg_url)
    assert [name for _, name in runs] == ["first.csv", "second.csv"]  # each pulled once
    for run_id, _ in runs:  # both instances tell the same about each run
        first, second = (i.get(f"/api/v1/imports/{run_id}", headers=admin) for i in instances)
        assert first.status_code == second.status_code == 200
        assert first.json() == second.json()
        assert first.json()["status"] in ("succeeded", "completed_with_errors")
