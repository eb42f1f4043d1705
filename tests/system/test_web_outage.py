"""The web app while PostgreSQL is stopped for real (a throwaway cluster): a redemption cut
off mid-transaction answers 503 with Retry-After and loses or doubles no point; pages answer
503 with an error page in the person's language drawn without the database; the log has one
line per failed request, no traceback, no password; and the same app object serves again as
soon as the server is back (the pool's pre-ping replaces the dead connections)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.db.models import LedgerTransaction, Redemption
from corp_carbon.domain.vocabulary import TransactionKind
from corp_carbon.services import outage
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.people.employees import add_employee
from corp_carbon.services.rewards.catalogue import add_reward
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.conftest import make_settings
from tests.pg_cluster import Cluster
from tests.support import OPERATOR, csrf_token, sign_in_session

#: in the app's database URL; trust authentication ignores it, and no log line may show it.
SECRET = "pa55-never-logged"
KEY = "6b0f8a0e-outage-redeem-0001"

pytestmark = pytest.mark.slow


@pytest.fixture
def app(pg_cluster: Cluster, cluster_db: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(make_settings(pg_cluster.url(cluster_db, SECRET), tmp_path))
    application.config["TESTING"] = True
    yield application
    application.extensions[EXTENSION_KEY].engine.dispose()


def _state(app: Flask) -> CarbonState:
    state: CarbonState = app.extensions[EXTENSION_KEY]
    return state


def _signed_in(app: Flask, points: int) -> tuple[FlaskClient, int]:
    state = _state(app)
    profile = add_employee(state.uow(), OPERATOR, email="ana@example.com", name="Ana Lima")
    if points:
        adjustments.adjust(
            state.uow(), OPERATOR, employee=profile.email, points=points, reason="test",
            request_key="grant-1",
        )  # fmt: skip
    client = app.test_client()
    sign_in_session(client, profile.id)
    return client, profile.id


def _ledger(app: Flask, employee_id: int) -> tuple[int, int, int]:
    """(balance, holds, redemptions): what a lost or doubled spend would change."""
    with _state(app).uow() as uow:
        session = uow.session
        holds = session.scalar(
            sa.select(sa.func.count(LedgerTransaction.id)).where(
                LedgerTransaction.kind == TransactionKind.REDEEM
            )
        )
        redemptions = session.scalar(sa.select(sa.func.count(Redemption.id)))
        return ledger.balance(session, employee_id), int(holds or 0), int(redemptions or 0)


def _stop_when(app: Flask, cluster: Cluster, fragment: str) -> None:
    """Stops the server just before the first statement containing ``fragment`` runs: the
    transaction is cut off half-way, as a crash or failover would cut it."""
    engine = _state(app).engine

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if fragment in statement:
            sa.event.remove(engine, "before_cursor_execute", before)  # once
            cluster.stop("fast")

    sa.event.listen(engine, "before_cursor_execute", before)


def _unavailable(response: Any) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)


def test_a_redemption_cut_off_by_the_outage_spends_nothing_then_once(
    app: Flask, pg_cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    client, employee_id = _signed_in(app, points=5000)
    reward = add_reward(_state(app).uow(), OPERATOR, name="Bike repair", cost_points=1200, stock=2)
    headers = {"X-CSRFToken": csrf_token(client, "/rewards"), "Idempotency-Key": KEY}
    body = {"reward_id": reward.id}
    _stop_when(app, pg_cluster, "INSERT INTO ledger_entries")

    with caplog.at_level(logging.INFO):
        cut_off = client.post("/api/v1/redemptions", json=body, headers=headers)
        began = time.monotonic()
        during = client.post("/api/v1/redemptions", json=body, headers=headers)
        latency = time.monotonic() - began
    for response in (cut_off, during):
        _unavailable(response)
        assert response.get_json()["error"]["code"] == "database_unavailable"
    assert latency < 2, f"an outage answer took {latency:.2f} s"
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in records] == ["corp_carbon.web", "corp_carbon.web"], records
    assert all(r.exc_info is None for r in caplog.records)
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert f"127.0.0.1:{pg_cluster.port}" in records[0].getMessage()

    pg_cluster.start()
    back = time.monotonic()
    assert client.get("/api/v1/me").status_code == 200  # the same app, no restart
    recovered = time.monotonic() - back
    assert recovered < 2
    assert _ledger(app, employee_id) == (5000, 0, 0)  # nothing spent by the cut-off request

    done = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert done.status_code == 201, done.get_data(as_text=True)
    repeat = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert repeat.status_code == 200 and repeat.get_json() == done.get_json()
    assert _ledger(app, employee_id) == (3800, 1, 1)  # spent once, whatever the retries


def test_pages_during_the_outage_are_503_in_english_and_chinese(
    app: Flask, pg_cluster: Cluster
) -> None:
    client, _ = _signed_in(app, points=0)
    assert client.get("/").status_code == 200
    pg_cluster.stop("fast")

    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    _unavailable(english)
    text = english.get_data(as_text=True)
    assert '<html lang="en">' in text and "503" in text
    assert "The database cannot be reached just now." in text
    assert "Ana Lima" not in text  # nobody was looked up

    chinese = client.get("/trips", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    _unavailable(chinese)
    zh = chinese.get_data(as_text=True)
    assert '<html lang="zh-CN">' in zh and "返回我的碳账户" in zh

    pg_cluster.start()
    assert client.get("/").status_code == 200
