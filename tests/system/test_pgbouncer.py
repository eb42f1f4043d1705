"""Behind PgBouncer in transaction mode, as the README's production guide sets it up.

PostgreSQL only: PgBouncer pools PostgreSQL connections. PgBouncer here is Debian's 1.18,
which cannot carry prepared statements from one server connection to the next.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from corp_carbon.db.session import UnitOfWork
from corp_carbon.runtime import engine_for
from tests.conftest import PG_SERVER, make_settings
from tests.integration.test_redemptions import _balance, _ledger_total, _person, _reward
from tests.integration.test_scheduler import Process, wait_until
from tests.pgbouncer import pgbouncer
from tests.serve_process import Served, production_config
from tests.system.test_two_instances import _token

pytestmark = pytest.mark.slow
_keys = itertools.count()


@pytest.fixture
def pooled(pg_url: str) -> Iterator[str]:
    """``pg_url`` through PgBouncer, two server connections for every client."""
    with pgbouncer(PG_SERVER) as server:
        yield f"{server}/{sa.make_url(pg_url).database}"


def _run_twice_on_one_server_connection(url: str, tmp_path: Path, prepared: bool) -> None:
    """Two clients, one after the other, each running one query more often than psycopg's
    threshold for preparing it, on PgBouncer's one server connection."""
    settings = make_settings(url, tmp_path, database={"prepared_statements": prepared})
    engine = engine_for(settings)
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                for number in range(8):
                    connection.execute(sa.text("SELECT count(*) FROM employees WHERE id > :n"),
                                       {"n": number})  # fmt: skip
                    connection.commit()
    finally:
        engine.dispose()


def test_prepared_statements_must_be_off_behind_transaction_pooling(
    pg_url: str, tmp_path: Path
) -> None:
    with pgbouncer(PG_SERVER, pool_size=1) as server:
        url = f"{server}/{sa.make_url(pg_url).database}"
        with pytest.raises(
            sa.exc.DBAPIError, match=r"prepared statement \"_pg3_0\" already exists"
        ):
            _run_twice_on_one_server_connection(url, tmp_path, prepared=True)
        _run_twice_on_one_server_connection(url, tmp_path, prepared=False)


def test_serve_and_the_scheduler_through_pgbouncer(
    pg_url: str, pooled: str, pg_uow: UnitOfWork, tmp_path: Path
) -> None:
    """A serve instance whose every transaction goes through PgBouncer: concurrent
    redemptions and repeated reads stay exact; the scheduler leads through direct_url."""
    people = [_person(pg_uow, 7000) for _ in range(2)]
    tokens = [_token(pg_uow, actor) for _, actor in people]
    reward_id = _reward(pg_uow, cost_points=1000)
    config = production_config(
        tmp_path,
        pooled,
        '[limits]\nredemptions = "100 per minute"\n[scheduler]\nleader_retry_seconds = 1\n',
    )
    text = config.read_text(encoding="utf-8")
    text = text.replace(f'direct_url = "{pooled}"', f'direct_url = "{pg_url}"')
    config.write_text(text.replace("[session]", "prepared_statements = false\n[session]"))
    served = Served(config, tmp_path).wait_ready()
    scheduler = Process(config, tmp_path / "scheduler.log")
    try:
        barrier = threading.Barrier(20, timeout=60)

        def redeem(number: int) -> int:
            barrier.wait()
            for _ in range(6):  # reads beyond psycopg's threshold for preparing
                assert served.get("/api/v1/me", headers=tokens[number % 2]).status_code == 200
            return served.post(
                "/api/v1/redemptions",
                json={"reward_id": reward_id},
                headers={**tokens[number % 2], "Idempotency-Key": f"pgb-{next(_keys)}"},
            ).status_code

        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = Counter(pool.map(redeem, range(20)))
        assert statuses == {201: 14, 409: 6}
        wait_until(lambda: scheduler.leads, 60, "the scheduler to lead")
    finally:
        scheduler.close()
        status = served.stop()
    assert status == 0
    assert [_balance(pg_uow, employee_id) for employee_id, _ in people] == [0, 0]
    assert _ledger_total(pg_uow) == 0
    assert "prepared statement" not in served.stderr()
    assert "Traceback" not in served.stderr() + scheduler.text()
