"""`corp-carbon tokens create/list/revoke` as an operator runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from corp_carbon import create_app
from corp_carbon.web.state import EXTENSION_KEY
from tests.conftest import make_settings

CLI = str(Path(sys.executable).with_name("corp-carbon"))


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CORP_CARBON_")}
    return subprocess.run(
        [CLI, *args], env={**clean, **env}, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def refused(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr


def me(db_url: str, tmp_path: Path, token: str) -> tuple[int, dict[str, object]]:
    """GET /api/v1/me with the token, on an app over the same database."""
    app = create_app(make_settings(db_url, tmp_path))
    try:
        response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.get_json()
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()


def test_create_list_and_revoke_tokens(empty_db_url: str, tmp_path: Path) -> None:
    env = {
        "CORP_CARBON_APP_SECRET_KEY": "k",
        "CORP_CARBON_PRIVACY_PSEUDONYM_SECRET": "p",
        "CORP_CARBON_DATABASE_URL": empty_db_url,
    }

    def cc(*args: str) -> subprocess.CompletedProcess[str]:
        return run(list(args), env, tmp_path)

    ok(cc("db", "upgrade"))
    ok(cc("employees", "add", "--email", "ana@example.com", "--name", "Ana Lima",
          "--employee-number", "E100", "--role", "hr"))  # fmt: skip
    assert ok(cc("tokens", "list")).stdout.strip() == "no API tokens"

    # a token never grants more than its employee holds
    refused(cc("tokens", "create", "--employee", "E100", "--role", "admin"), "role 'admin'")
    refused(cc("tokens", "create", "--employee", "bob@x.org", "--role", "employee"), "bob@x.org")

    created = ok(cc("tokens", "create", "--employee", "E100", "--role", "hr",
                    "--name", "travel sync", "--scope", "import", "--scope", "scim",
                    "--expires-days", "30"))  # fmt: skip
    token = created.stdout.strip()
    assert token.startswith("cc_") and "\n" not in token  # stdout holds the token alone
    assert "not shown again" in created.stderr
    assert "ana@example.com" in created.stderr and "role hr" in created.stderr
    forever = ok(cc("tokens", "create", "--employee", "ana@example.com", "--role", "employee",
                    "--name", "script", "--no-expiry")).stdout.strip()  # fmt: skip

    engine = sa.create_engine(empty_db_url)
    try:
        with engine.connect() as connection:
            hashes = connection.execute(
                sa.text("SELECT token_hash, scopes FROM api_tokens ORDER BY id")
            ).all()
            audit = connection.execute(
                sa.text("SELECT actor_label FROM audit_log WHERE action = 'token.create'")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(h) for h in hashes] == [
        (hashlib.sha256(token.encode()).hexdigest(), "import scim"),
        (hashlib.sha256(forever.encode()).hexdigest(), ""),
    ]
    assert len(audit) == 2 and all(label.startswith("cli:") for (label,) in audit)

    status, body = me(empty_db_url, tmp_path, token)
    assert status == 403  # a token made for imports and SCIM does only that
    assert "import, scim" in str(body)
    status, body = me(empty_db_url, tmp_path, forever)
    assert status == 200
    assert body["email"] == "ana@example.com" and body["roles"] == ["employee"]

    listed = ok(cc("tokens", "list")).stdout
    assert token not in listed and forever not in listed
    lines = listed.strip().splitlines()
    assert lines[0].split()[:4] == ["id", "employee", "name", "role"]
    first, second = lines[1], lines[2]
    assert "ana@example.com" in first and "travel sync" in first and "import scim" in first
    assert " hr " in first and "never" not in first  # used once, expires in 30 days
    assert "script" in second and second.count("never") == 1  # used once, never expires
    assert first.rstrip().endswith(" -")  # not revoked

    assert len(ok(cc("tokens", "list", "--employee", "E100")).stdout.strip().splitlines()) == 3
    refused(cc("tokens", "list", "--employee", "nobody@example.com"), "nobody@example.com")

    token_id = first.split()[0]
    assert f"revoked API token {token_id}" in ok(cc("tokens", "revoke", token_id)).stdout
    refused(cc("tokens", "revoke", token_id), "already revoked")
    refused(cc("tokens", "revoke", "999"), "does not exist")
    after = ok(cc("tokens", "list")).stdout.strip().splitlines()[1]
    assert not after.rstrip().endswith(" -")  # the revocation time is shown

    assert me(empty_db_url, tmp_path, token)[0] == 401
    assert me(empty_db_url, tmp_path, forever)[0] == 200
