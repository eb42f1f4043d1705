"""``[database]`` keys for running behind PgBouncer in transaction mode (PostgreSQL only:
prepared statements and session advisory locks are PostgreSQL's, SQLite has neither)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.jobs.scheduler import AdvisoryLock, leadership_for
from corp_carbon.runtime import engine_for
from tests.conftest import make_settings


def test_prepared_statements_off_reaches_psycopg(
    pg_database: Callable[..., str], pg_template: str, tmp_path: Path
) -> None:
    url = pg_database(template=pg_template)
    for prepared, threshold in ((True, 5), (False, None)):
        settings = make_settings(url, tmp_path, database={"prepared_statements": prepared})
        engine = engine_for(settings)
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
                driver = connection.connection.driver_connection
                assert driver is not None
                assert driver.prepare_threshold == threshold
        finally:
            engine.dispose()


def test_the_scheduler_lock_goes_to_the_direct_url(
    pg_database: Callable[..., str], pg_template: str, tmp_path: Path
) -> None:
    """With url pointing at a pooler that is down (here: nothing listens on port 1), the
    leader still takes its lock on the direct connection."""
    direct = pg_database(template=pg_template)
    pooled = sa.make_url(direct).set(port=1).render_as_string(hide_password=False)
    settings = make_settings(pooled, tmp_path, database={"direct_url": direct})
    first, second = leadership_for(settings), leadership_for(settings)
    assert isinstance(first, AdvisoryLock)
    try:
        assert first.acquire()
        assert not second.acquire()
        assert first.still_held()
    finally:
        first.release()
        second.release()
