"""The built wheel works outside the source tree: templates, migrations and static files inside.

Builds the wheel, installs it (with its dependencies from the package index, through pip's
cache) into a fresh virtual environment, then migrates a database and serves the app with
``corp-carbon run``, gunicorn and ``corp-carbon serve`` from a folder that has no source code in
it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(out.glob("corp_carbon-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True, timeout=120)
    subprocess.run(
        [str(target / "bin" / "pip"), "install", "--quiet", f"{wheel}[production]"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return target


def test_wheel_contains_templates_migrations_and_static(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "corp_carbon/templates/carbon/base.html",
        "corp_carbon/migrations/env.py",
        "corp_carbon/migrations/script.py.mako",
        "corp_carbon/static/carbon.css",
        "corp_carbon/catalogue/factor_sets/desnz-2024.toml",
        "corp_carbon/catalogue/factor_sets/spend/useeio-v1.2-2021usd.toml",
        "corp_carbon/catalogue/rate_cards/wuhan-2024.toml",
        "connectors/__init__.py",
    ):
        assert required in names
    assert any(n.startswith("corp_carbon/migrations/versions/") for n in names)
    assert not any(n.startswith("tests/") for n in names)


@pytest.fixture
def outside(tmp_path: Path, venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CORP_CARBON_", "PYTHON"))}
    env.update(
        CORP_CARBON_APP_SECRET_KEY=secrets.token_hex(32),  # long enough for `serve`
        CORP_CARBON_PRIVACY_PSEUDONYM_SECRET=secrets.token_hex(32),
        CORP_CARBON_SESSION_COOKIE_SECURE="false",
        CORP_CARBON_DATABASE_URL=f"sqlite:///{tmp_path / 'carbon.sqlite'}",
        HOME=str(tmp_path),
        PATH=f"{venv / 'bin'}:{env.get('PATH', '')}",
    )
    return env


def _serve(command: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[str]:
    log = (cwd / f"server-{port}.log").open("wb")
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", timeout=60)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_installed_wheel_migrates_and_serves(
    venv: Path, outside: dict[str, str], tmp_path: Path
) -> None:
    bin_dir = venv / "bin"
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import corp_carbon; print(corp_carbon.__file__)"],
        env=outside,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where and str(ROOT) not in where

    upgrade = subprocess.run(
        [str(bin_dir / "corp-carbon"), "db", "upgrade"],
        env=outside,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert "database at revision" in upgrade.stdout

    for command in (
        [str(bin_dir / "corp-carbon"), "run", "--port", "{port}"],
        [str(bin_dir / "gunicorn"), "-w", "2", "-b", "127.0.0.1:{port}", "corp_carbon.wsgi:app"],
        [str(bin_dir / "corp-carbon"), "serve", "--bind", "127.0.0.1:{port}", "--workers", "2"],
    ):
        port = free_port()
        argv = [part.format(port=port) for part in command]
        for base in _serve(argv, outside, tmp_path, port):
            health = requests.get(f"{base}/healthz", timeout=5)
            assert health.status_code == 200
            assert health.json() == {"status": "ok", "database": "ok", "schema": "ok"}
            login = requests.get(f"{base}/login", timeout=5)
            assert login.status_code == 200
            assert "Single sign-on is not configured" in login.text
            css = requests.get(f"{base}/static/carbon/carbon.css", timeout=5)
            assert css.status_code == 200
            assert "--green" in css.text
