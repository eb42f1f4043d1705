"""``corp-carbon serve`` as an operator runs it: refusals in one line, gunicorn with the
configured workers, one JSON access line per request without the query string, and a
graceful stop on SIGTERM."""

from __future__ import annotations

import gc
import os
import secrets
from pathlib import Path

import pytest

from corp_carbon.config import Settings
from corp_carbon.config.server import usable_cpus
from corp_carbon.web.state import EXTENSION_KEY
from tests.serve_process import Served, production_config
from tests.system.test_cli import assert_one_clear_line, run

pytestmark = pytest.mark.slow

KEY = secrets.token_hex(32)
GOOD = {
    "CORP_CARBON_APP_SECRET_KEY": KEY,
    "CORP_CARBON_PRIVACY_PSEUDONYM_SECRET": secrets.token_hex(32),
}


@pytest.mark.parametrize(
    ("env", "fragments"),
    [
        ({"CORP_CARBON_DEV_LOGIN_ENABLED": "true"},
         ("[dev_login] enabled", "never serves the development login",
          "environment variable CORP_CARBON_DEV_LOGIN_ENABLED")),
        ({"CORP_CARBON_APP_SECRET_KEY": "change-me"},
         ("[app] secret_key: too easy to guess", "secrets.token_hex(32)")),
        ({"CORP_CARBON_APP_SECRET_KEY": "x" * 64},
         ("[app] secret_key: too easy to guess",)),
        ({"CORP_CARBON_PRIVACY_PSEUDONYM_SECRET": "corp-carbon-development-only"},
         ("[privacy] pseudonym_secret: too easy to guess",)),
        ({"CORP_CARBON_APP_MODE": "demo"},
         ("[app] mode: 'demo'", "'corp-carbon demo' for the demo")),
        ({"CORP_CARBON_SERVER_BIND": "localhost"},
         ("[server] bind", "HOST:PORT")),
    ],
)  # fmt: skip
def test_serve_refuses_what_production_must_not_run_with(
    tmp_path: Path, env: dict[str, str], fragments: tuple[str, ...]
) -> None:
    result = run(["serve"], {**GOOD, **env}, tmp_path)
    assert_one_clear_line(result, *fragments)


def test_without_gunicorn_it_says_what_to_install(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "gunicorn"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(  # as Python says it when gunicorn is not there
        "raise ModuleNotFoundError(\"No module named 'gunicorn'\", name='gunicorn')\n"
    )
    path = f"{shadow.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    result = run(["serve"], {**GOOD, "PYTHONPATH": path}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: gunicorn is not installed: pip install 'corp-carbon[production]'"
    )


def test_check_names_the_workers_from_the_cores_and_an_outdated_schema(
    db_url: str, empty_db_url: str, tmp_path: Path
) -> None:
    result = run(["serve", "--check"], {**GOOD, "CORP_CARBON_DATABASE_URL": db_url}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "configuration and database: ok"
    assert f"workers {2 * usable_cpus() + 1} sync" in result.stdout
    assert "bind 127.0.0.1:8000," in result.stdout
    # a safety net against slow memory growth, not a worker replaced every few seconds
    assert "max_requests 20000 (+ up to 2000)" in result.stdout
    empty = run(["serve", "--check"], {**GOOD, "CORP_CARBON_DATABASE_URL": empty_db_url},
                tmp_path)  # fmt: skip
    assert empty.returncode == 1
    assert "schema outdated" in empty.stderr and "run 'corp-carbon db upgrade'" in empty.stderr


def test_each_worker_freezes_its_start_up_heap(settings: Settings) -> None:
    """What a worker loads at start stays out of every full collection (the p99 under load)."""
    from corp_carbon.cli.gunicorn_server import CarbonServer, options

    server = CarbonServer(settings, options(settings, ["127.0.0.1:0"], 1))
    before = gc.get_freeze_count()
    try:
        app = server.load()
        assert app.url_map.bind("localhost").match("/trips")  # the whole app, not a stub
        assert gc.get_freeze_count() > before + 50_000  # its modules, app and templates
        app.extensions[EXTENSION_KEY].dispose()
    finally:
        gc.unfreeze()


def test_serve_logs_each_request_as_json_and_stops_gracefully(db_url: str, tmp_path: Path) -> None:
    served = Served(production_config(tmp_path, db_url), tmp_path).wait_ready()
    try:
        health = served.get(
            "/healthz?token=never-logged-1",
            headers={"User-Agent": 'odd "agent" \\ here', "Referer": "https://x/p?code=never-2"},
        )
        assert health.status_code == 200
        assert served.get("/login").status_code == 200
    finally:
        status = served.stop()
    assert status == 0
    lines = served.access_log()[-2:]  # after the readiness probe's
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/healthz", 200),
        ("GET", "/login", 200),
    ]
    first = lines[0]
    assert first["request_id"] == health.headers["X-Request-ID"]
    assert first["user_agent"] == 'odd "agent" \\ here'
    assert first["referer"] == "https://x/p"
    assert first["remote_addr"] == "127.0.0.1"
    assert first["bytes"] > 0 and first["duration_ms"] > 0
    everything = served.stdout() + served.stderr()
    assert "never-logged" not in everything
    assert "Traceback" not in everything
    log = served.stderr()
    assert "each of the 2 workers counts requests on its own" in log  # [limits] memory://
    assert "Booting worker" in log and "Shutting down: Master" in log
    assert log.count("Booting worker with pid") == 2  # [server] workers = 2
