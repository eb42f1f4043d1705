"""Helpers of the journey tests (test_journeys.py): a second app on its own server (the widget's
allowed origins differ), a tiny company portal that frames the widget, and the screenshots
of a journey's pages at both widths in both languages.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from corp_carbon import create_app
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.browser.conftest import ARTEFACTS, LANGUAGES, WIDTHS, Live, new_context, sign_in
from tests.conftest import make_settings

try:
    from playwright.sync_api import Browser
except ImportError:  # pragma: no cover - the test extras install it
    Browser = Any  # type: ignore[misc,assignment]

SCREENS = ARTEFACTS / "journeys"


@contextmanager
def serving(app: Any, host: str = "127.0.0.1") -> Iterator[BaseWSGIServer]:
    """``app`` on a free port of ``host`` in a thread, for as long as the block runs."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


@contextmanager
def app_on_copy(demo: Path, folder: Path, **sections: dict[str, Any]) -> Iterator[Flask]:
    """The app over a copy of the demo database, with ``sections`` added to its settings."""
    path = folder / "demo.sqlite"
    shutil.copyfile(demo, path)
    settings = make_settings(f"sqlite:///{path}", folder, dev_login={"enabled": True}, **sections)
    app = create_app(settings)
    try:
        yield app
    finally:
        state: CarbonState = app.extensions[EXTENSION_KEY]
        state.engine.dispose()


@dataclass
class Portal:
    """The company portal: one page framing the URL given as ``?src=``, nothing else."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        from urllib.parse import parse_qs

        src = parse_qs(environ.get("QUERY_STRING", "")).get("src", [""])[0]
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Portal</title>'
            "</head><body><h1>Company portal</h1>"
            f'<iframe id="carbon" title="My carbon account" src="{src}" '
            'width="360" height="420"></iframe></body></html>'
        ).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]


def shoot(
    browser: Browser, live: Live, journey: str, pages: list[tuple[str, str]], employee_id: int
) -> list[Path]:
    """Screenshots of ``pages`` (name, path) at 390 and 1280 px, in English and Chinese,
    signed in as ``employee_id``; each page must answer 200 and fit the window."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    taken = []
    for width in WIDTHS:
        context = new_context(browser, width)
        try:
            sign_in(context, live, "employee", employee_id)
            page = context.new_page()
            for name, path in pages:
                for language in LANGUAGES:
                    glue = "&" if "?" in path else "?"
                    answer = page.goto(f"{live.root}{path}{glue}lang={language}")
                    assert answer is not None and answer.status == 200, (path, answer)
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    assert wide <= width, f"{path} is {wide} px wide at {width} px"
                    target = SCREENS / f"{journey}-{name}-{width}-{language}.png"
                    page.screenshot(path=str(target), full_page=True)
                    taken.append(target)
        finally:
            context.close()
    return taken


def points(value: int) -> str:
    """A whole number as the English pages write it (Babel, en): 12,345."""
    return f"{value:,}"


def whole(text: str) -> int:
    return int(re.sub(r"[^\d-]", "", text))


def dev_sign_in(p: Any, root: str, email: str) -> None:
    """Signs in through the development login's page, on the app's own host name."""
    p.goto(f"{root}/dev-login?q={email}&lang=en")
    form = p.locator("form.dev-sign-in").first
    form.locator("select[name=role]").select_option("employee")
    form.locator("button[type=submit]").click()
    p.wait_for_url(f"{root}/**")


def shows_widget(frame: Any) -> bool:
    try:
        return bool(frame.locator("main.widget").count())
    except Exception:  # an error page Chromium put in the refused frame
        return False


def shows_page(frame: Any) -> bool:
    try:
        return bool(frame.locator("main h1").count())
    except Exception:
        return False


def screen(name: str) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    return SCREENS / name
