"""The corp-carbon command as an operator runs it: real subprocesses, real databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).with_name("corp-carbon"))


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CORP_CARBON_")}
    return subprocess.run(
        [CLI, *args], env={**clean, **env}, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_secret_key_in_production(tmp_path: Path) -> None:
    result = run(["employees", "list"], {}, tmp_path)
    assert_one_clear_line(result, "[app] secret_key", "production")


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    config = tmp_path / "corp.toml"
    config.write_text(
        '[app]\nsecret_key = "k"\n[privacy]\npseudonym_secret = "p"\n[session]\ncookie_secur = false\n'
    )
    result = run(["run"], {"CORP_CARBON_CONFIG": str(config)}, tmp_path)
    assert_one_clear_line(result, "[session] cookie_secur: unknown key", str(config))


def test_wrong_type_from_environment(tmp_path: Path) -> None:
    result = run(["run"], {"CORP_CARBON_DATABASE_POOL_SIZE": "lots"}, tmp_path)
    assert_one_clear_line(result, "[database] pool_size", "CORP_CARBON_DATABASE_POOL_SIZE")


def test_unreachable_database(tmp_path: Path) -> None:
    env = {
        "CORP_CARBON_APP_SECRET_KEY": "k",
        "CORP_CARBON_PRIVACY_PSEUDONYM_SECRET": "p",
        "CORP_CARBON_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "CORP_CARBON_DATABASE_CONNECT_TIMEOUT": "2",
    }
    result = run(["employees", "list"], env, tmp_path)
    assert_one_clear_line(
        result, "[database] url: cannot connect to", "environment variable CORP_CARBON_DATABASE_URL"
    )


def test_commands_refuse_an_unmigrated_database(tmp_path: Path) -> None:
    env = {"CORP_CARBON_APP_MODE": "development"}
    result = run(["employees", "list"], env, tmp_path)
    assert result.returncode == 1
    assert "run 'corp-carbon db upgrade'" in result.stderr
    assert "Traceback" not in result.stderr


def test_first_administrator_from_the_command_line(empty_db_url: str, tmp_path: Path) -> None:
    env = {
        "CORP_CARBON_APP_SECRET_KEY": "k",
        "CORP_CARBON_PRIVACY_PSEUDONYM_SECRET": "p",
        "CORP_CARBON_DATABASE_URL": empty_db_url,
    }
    upgraded = run(["db", "upgrade"], env, tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "up to date" in run(["db", "current"], env, tmp_path).stdout

    args = ["employees", "add", "--email", "Ada.Admin@Example.com", "--name", "Ada Ásgeirsdóttir"]
    created = run(
        [*args, "--employee-number", "E0001", "--role", "admin", "--role", "hr"], env, tmp_path
    )
    assert created.returncode == 0, created.stderr
    assert "ada.admin@example.com" in created.stdout
    assert "roles: employee, hr, admin" in created.stdout

    again = run([*args], env, tmp_path)
    assert again.returncode == 1
    assert "an employee with this email already exists" in again.stderr

    bad_role = run([*args, "--role", "boss"], env, tmp_path)
    assert bad_role.returncode == 2
    assert "'boss' is not one of" in bad_role.stderr

    listed = run(["employees", "list"], env, tmp_path)
    assert "Ada Ásgeirsdóttir" in listed.stdout

    down = run(["db", "downgrade", "base"], env, tmp_path)
    assert down.returncode == 0, down.stderr
    assert "database at revision base" in down.stdout


@pytest.mark.parametrize("command", [["--help"], ["db", "--help"], ["--version"]])
def test_help_works_without_any_configuration(tmp_path: Path, command: list[str]) -> None:
    result = run(command, {}, tmp_path)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr


def test_points_and_rewards_from_the_command_line(empty_db_url: str, tmp_path: Path) -> None:
    env = {
        "CORP_CARBON_APP_SECRET_KEY": "k",
        "CORP_CARBON_PRIVACY_PSEUDONYM_SECRET": "p",
        "CORP_CARBON_DATABASE_URL": empty_db_url,
    }
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    assert (
        run(
            ["employees", "add", "--email", "zoe@example.com", "--name", "Zoë Müller"],
            env,
            tmp_path,
        ).returncode
        == 0
    )
    added = run(
        [
            "points",
            "adjust",
            "--employee",
            "ZOE@example.com",
            "--points",
            "5000",
            "--reason",
            "welcome",
        ],
        env,
        tmp_path,
    )
    assert added.returncode == 0, added.stderr
    assert "+5,000 points for ZOE@example.com, posted" in added.stdout
    refused = run(
        ["points", "adjust", "--employee", "zoe@example.com", "--points", "-9000", "--reason", "x"],
        env,
        tmp_path,
    )
    assert refused.returncode == 1
    assert "has 5,000 points; cannot take 9,000" in refused.stderr
    catalogue = tmp_path / "rewards.csv"
    catalogue.write_text(
        "name,kind,cost_points,stock,per_person_limit,limit_period,auto_approve,project_name,description,image_url\n"
        "Rail voucher,voucher,20000,50,2,year,true,,€20 towards any train ticket,\n"
        "Peatland restoration,donation,10000,,,ever,true,Peatland restoration (Scotland),,\n",
        encoding="utf-8",
    )
    imported = run(["rewards", "import", str(catalogue)], env, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "added 2 reward(s)" in imported.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind,cost_points\nBike service,perk,-5\n", encoding="utf-8")
    failed = run(["rewards", "import", str(bad)], env, tmp_path)
    assert failed.returncode == 1
    assert "bad.csv" in failed.stderr
    assert "cost_points" in failed.stderr
    expired = run(["points", "expire"], env, tmp_path)
    assert "points never expire here" in expired.stdout
