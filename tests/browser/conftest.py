"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, the app on a real
server over a copy of a small demo database, and pages signed in through the dev login.

One browser per test session (pytest-playwright's ``browser``, pointed at /usr/bin/chromium:
``playwright install`` is never run), one demo database per session, copied for each module,
and one page per (role, width) reused by a module's tests. A missing part (chromium, the CJK
font, axe-core) skips the tests naming scripts/install-system-deps.sh; under
``CORP_CARBON_REQUIRE_SYSTEM=1`` they fail instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from corp_carbon import create_app
from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.demo.setup import build_demo_database
from corp_carbon.domain.reports import ReportOptions
from corp_carbon.services.reports import jobs as report_jobs
from corp_carbon.web import i18n
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.conftest import make_settings
from tests.support import OPERATOR, csrf_in, need

try:
    from playwright.sync_api import Browser, BrowserContext, Page
except ImportError:  # pragma: no cover - the test extras install it
    Browser = BrowserContext = Page = Any  # type: ignore[misc,assignment]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screens"
WIDTHS = (390, 1280)
LANGUAGES = ("en", "zh-CN")
DEMO_EMPLOYEES = 25


def _missing() -> str:
    """What the browser tests lack, or ""."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return "/usr/bin/chromium (apt-get install chromium)"
    fonts = subprocess.run(
        ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, check=False
    )
    if not fonts.stdout.strip():
        return "a Chinese font (apt-get install fonts-noto-cjk)"
    if not AXE.is_file():
        return "axe-core (npm ci --prefix tests/browser)"
    return ""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's chromium, not a downloaded one."""
    missing = _missing() if shutil.which("fc-list") else "fc-list (fontconfig)"
    need("browser tests", not missing, missing)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def _record_untranslated() -> Iterator[None]:
    """Switches on the catalogue's recorder of untranslated msgids (read by the walker)."""
    before = os.environ.get(i18n.RECORD_ENV)
    os.environ[i18n.RECORD_ENV] = "1"
    yield
    if before is None:
        os.environ.pop(i18n.RECORD_ENV, None)
    else:
        os.environ[i18n.RECORD_ENV] = before


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo database (a year of trips, commutes, rewards, redemptions), built once."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite"
    settings = _settings(path, folder)
    build_demo_database(settings, seed=13, employees=DEMO_EMPLOYEES)
    _build_a_report(settings)
    return path


def _build_a_report(settings: Settings) -> None:
    """One finished ESG report, so the walker has a report page to open (the demo has none)."""
    app = create_app(settings)
    state: CarbonState = app.extensions[EXTENSION_KEY]
    today = date.today()
    options = ReportOptions(date_from=today.replace(month=1, day=1), date_to=today)
    view = report_jobs.request_report(state.uow(), OPERATOR, options)

    def build(chosen: ReportOptions, path: Path, progress: report_jobs.Progress) -> None:
        report_jobs.build_file(state.uow(), settings, chosen, path, progress)

    report_jobs.build_report(state.uow, settings, view.id, build)
    state.engine.dispose()


def _settings(path: Path, folder: Path, **sections: dict[str, Any]) -> Settings:
    return make_settings(f"sqlite:///{path}", folder, dev_login={"enabled": True}, **sections)


@dataclass
class Live:
    """The app served on 127.0.0.1 over this module's copy of the demo database."""

    root: str
    app: Flask
    #: the demo's employee with the most trips: every page has something to show.
    employee_id: int
    pages: dict[tuple[str, int], Page] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        state: CarbonState = self.app.extensions[EXTENSION_KEY]
        return state.uow()

    def has(self, endpoint: str) -> bool:
        return endpoint in self.app.view_functions


@pytest.fixture(scope="module")
def live(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with serve_copy(demo_database, tmp_path_factory.mktemp("live")) as served:
        yield served


@contextmanager
def serve_copy(demo_database: Path, folder: Path, **sections: dict[str, Any]) -> Iterator[Live]:
    """The app served on 127.0.0.1 over a copy of the demo database in ``folder``, with
    ``sections`` of settings added (``reports={...}``)."""
    path = folder / "demo.sqlite"
    shutil.copyfile(demo_database, path)
    app = create_app(_settings(path, folder, **sections))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state: CarbonState = app.extensions[EXTENSION_KEY]
    with state.uow() as uow:
        busiest = uow.session.scalar(
            sa.select(Activity.employee_id)
            .join(Employee, Employee.id == Activity.employee_id)
            .where(Employee.active.is_(True))
            .group_by(Activity.employee_id)
            .order_by(sa.func.count().desc(), Activity.employee_id)
            .limit(1)
        )
    assert busiest is not None, "the demo database has no trips"
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", app, int(busiest))
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        state.engine.dispose()


def sign_in(context: BrowserContext, live: Live, role: str, employee_id: int | None = None) -> None:
    """Signs ``context`` in through the dev login as the demo's busiest employee in ``role``."""
    picker = context.request.get(f"{live.root}/dev-login")
    assert picker.ok, picker.status
    answer = context.request.post(
        f"{live.root}/dev-login",
        form={
            "csrf_token": csrf_in(picker.text()),
            "employee_id": str(employee_id or live.employee_id),
            "role": role,
        },
        max_redirects=0,
    )
    assert answer.status == 302, answer.status


def new_context(browser: Browser, width: int, **options: Any) -> BrowserContext:
    """A browser window ``width`` px wide: a phone (390: touch, 2x pixels) or a desktop."""
    if width < 600:
        return browser.new_context(
            viewport={"width": width, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            **options,
        )
    return browser.new_context(viewport={"width": width, "height": 900}, **options)


@pytest.fixture(scope="module")
def signed_in_page(browser: Browser, live: Live) -> Iterator[Callable[[str, int], Page]]:
    """``signed_in_page(role, width)``: a page signed in as ``role``, reused by the module."""
    contexts: list[BrowserContext] = []

    def get(role: str, width: int) -> Page:
        key = (role, width)
        if key not in live.pages:
            context = new_context(browser, width)
            contexts.append(context)
            sign_in(context, live, role)
            live.pages[key] = context.new_page()
        return live.pages[key]

    yield get
    for context in contexts:
        context.close()
    live.pages.clear()
