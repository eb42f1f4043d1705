"""The test OpenID Connect provider and the app on a real HTTP server, shared by the SSO
tests (tests/system/test_sso_login.py) and the browser tests (tests/browser).

The provider is panva's ``oidc-provider`` (tests/idp/provider.mjs, started with node on a
free port of 127.0.0.1, once per test session); ``serve`` runs the app with werkzeug on a
free port with a client registered for exactly that port's callback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from corp_carbon import create_app
from corp_carbon.config import Settings
from corp_carbon.db.session import UnitOfWork
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.conftest import make_settings
from tests.support import free_port, need, wait_for_http

IDP_DIR = Path(__file__).resolve().parent / "idp"


# --- the identity provider ----------------------------------------------------------------------


@dataclass
class Idp:
    issuer: str

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def register_client(self, callback: str, signed_out: str) -> tuple[str, str]:
        """A confidential client (client_secret_basic) allowed exactly these URIs."""
        response = requests.post(
            f"{self.issuer}/reg",
            json={
                "redirect_uris": [callback],
                "post_logout_redirect_uris": [signed_out],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            },
            timeout=10,
        )
        response.raise_for_status()
        body = response.json()
        return str(body["client_id"]), str(body["client_secret"])

    def set_account(self, account: str, claims: dict[str, Any], **options: int) -> None:
        """Puts ``account`` in the provider's directory (``options``: idTokenTtl, tokenDelayMs)."""
        response = requests.put(
            f"{self.issuer}/__test/accounts/{account}",
            json={"claims": claims, **options},
            timeout=10,
        )
        assert response.status_code == 204, response.text


def _idp_missing() -> str:
    if shutil.which("node") is None:
        return "node is not on PATH"
    version = subprocess.run(
        ["node", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    numbers = re.match(r"v(\d+)\.(\d+)", version)
    if numbers is None or (int(numbers.group(1)), int(numbers.group(2))) < (20, 12):
        return f"node {version or '?'} is older than 20.12, which oidc-provider 9 needs"
    if not (IDP_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        return "tests/idp/node_modules is missing (npm ci --prefix tests/idp)"
    return ""


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Idp]:
    missing = _idp_missing()
    need("oidc-provider", not missing, missing)
    port = free_port()
    log_path = tmp_path_factory.mktemp("idp") / "provider.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["node", "provider.mjs", str(port)], cwd=IDP_DIR, stdout=log, stderr=subprocess.STDOUT
        )
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{issuer}/.well-known/openid-configuration", timeout=30)
    except TimeoutError:
        process.kill()
        raise RuntimeError(f"oidc-provider did not start: {log_path.read_text()}") from None
    yield Idp(issuer)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


# --- the app on a real server -------------------------------------------------------------------


@dataclass
class Site:
    """The app served on 127.0.0.1:<port> (``root`` includes any url_prefix)."""

    root: str
    app: Flask
    client_id: str

    @property
    def state(self) -> CarbonState:
        carbon_state: CarbonState = self.app.extensions[EXTENSION_KEY]
        return carbon_state

    def uow(self) -> UnitOfWork:
        return self.state.uow()


def _placeholder(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@contextmanager
def serve(
    idp: Idp, db_url: str, tmp_path: Path, prefix: str = "", **sections: dict[str, Any]
) -> Iterator[Site]:
    """The app with SSO against ``idp``; the client is registered for this server's port."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, _placeholder, threaded=True)
    root = f"http://127.0.0.1:{server.server_port}{prefix}"
    client_id, secret = idp.register_client(f"{root}/auth/callback", f"{root}/signed-out")
    sso = {
        "server_metadata_url": idp.metadata_url,
        "client_id": client_id,
        "client_secret": secret,
        **sections.pop("sso", {}),
    }
    app_section = {"url_prefix": prefix, **sections.pop("app", {})}
    settings: Settings = make_settings(db_url, tmp_path, sso=sso, app=app_section, **sections)
    app = create_app(settings)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(root, app, client_id)
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        app.extensions[EXTENSION_KEY].engine.dispose()
