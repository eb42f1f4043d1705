"""``corp-carbon import`` as an operator runs it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CLI = str(Path(sys.executable).with_name("corp-carbon"))
GOLDEN = Path(__file__).resolve().parents[1] / "connectors" / "golden"


def run(args: list[str], db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CORP_CARBON_")}
    env = {
        **clean,
        "CORP_CARBON_APP_MODE": "development",
        "CORP_CARBON_DATABASE_URL": db_url,
        "CORP_CARBON_LOGGING_LEVEL": "WARNING",
    }
    return subprocess.run(
        [CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_import_json_counts_problems_and_exit_status(db_url: str, tmp_path: Path) -> None:
    people = [("E1002", "zhang.wei@example.com"), ("E1003", "aoife.oconnor@example.com"),
              ("E1004", "jose.alvarez@example.com"), ("E1006", "marcus.johnson@example.com")]  # fmt: skip
    for number, email in people:
        made = run(
            ["employees", "add", "--email", email, "--name", number, "--employee-number", number],
            db_url,
            tmp_path,
        )
        assert made.returncode == 0, made.stderr
    navan = GOLDEN / "navan" / "navan_bookings_export.csv"
    result = run(["import", "--connector", "navan", "--json", str(navan)], db_url, tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("read", "imported", "updated", "duplicates", "cancelled", "rejected", "errors"):
        assert key in report
    assert report["rejected"] == 2 and report["cancelled"] == 1
    # Zoë (E1001) is not an employee here: her booking waits; its date is bad anyway
    rows = {(e["row"], e["field"]) for e in report["errors"]}
    assert (13, "startDate") in rows and (12, "origin") in rows
    assert all(e["file"] == "navan_bookings_export.csv" for e in report["errors"])

    text = run(["import", "--connector", "navan", str(navan)], db_url, tmp_path)
    assert text.returncode == 0
    assert "unchanged" in text.stdout and "row 13, startDate: rejected" in text.stdout
    assert "it/s" not in text.stderr and "rows/s" not in text.stderr  # no bar without a TTY

    wrong = run(["import", "--connector", "concur-itinerary", str(navan)], db_url, tmp_path)
    assert wrong.returncode == 1
    assert "use --connector navan" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_import_of_a_file_that_is_not_text(db_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "export.csv"
    junk.write_bytes(bytes(range(256)) * 64)
    result = run(["import", "--connector", "navan", "--json", str(junk)], db_url, tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["status"] == "failed" and "export.csv" in report["error"]
