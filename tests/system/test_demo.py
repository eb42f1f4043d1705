"""`corp-carbon demo` as a new user runs it: builds the database, serves it, dev login works."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests

from tests.support import csrf_in, free_port, wait_for_http

CLI = str(Path(sys.executable).with_name("corp-carbon"))


def test_demo_builds_and_serves_with_a_development_login(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "demo.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORP_CARBON_")}
    log = (tmp_path / "demo.log").open("wb")
    process = subprocess.Popen(
        [CLI, "demo", "--port", str(port), "--database", str(database)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", timeout=120)
        output = (tmp_path / "demo.log").read_text(encoding="utf-8")
        assert "200 employees in 8 departments and 3 offices" in output
        assert f"http://127.0.0.1:{port}/" in output

        browser = requests.Session()
        picker = browser.get(f"{base}/login", timeout=10)  # redirects to the development login
        assert picker.url.endswith("/dev-login")
        assert "Development login is enabled" in picker.text
        token = csrf_in(picker.text)
        employee = re.search(r'name="employee_id" value="(\d+)"', picker.text)
        assert employee
        home = browser.post(
            f"{base}/dev-login",
            data={
                "csrf_token": token,
                "employee_id": employee.group(1),
                "role": "sustainability",
            },
            timeout=10,
        )
        assert home.status_code == 200
        assert "My carbon account" in home.text and "Recent activity" in home.text
        trips = browser.get(f"{base}/trips", timeout=10)
        assert trips.status_code == 200 and re.search(r"[\d,]+ trips in all", trips.text)
        overview = browser.get(f"{base}/admin", timeout=10)
        assert overview.status_code == 200
        assert "By department" in overview.text
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()

    with sqlite3.connect(database) as connection:
        employees = connection.execute("SELECT count(*) FROM employees").fetchone()[0]
        departments = connection.execute(
            "SELECT count(DISTINCT department) FROM employees"
        ).fetchone()[0]
        cabins = {
            row[0]
            for row in connection.execute(
                "SELECT DISTINCT cabin FROM activities WHERE mode = 'air'"
            )
        }
    assert employees == 200
    assert departments == 8
    assert {"economy", "premium_economy", "business", "first"} <= cabins
