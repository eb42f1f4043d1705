"""The shell in a real browser: signing in through the company's OpenID Connect provider,
and switching to Chinese from the header on the page one is reading."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import oidc
from tests.browser.conftest import ARTEFACTS, Live, new_context
from tests.oidc import Idp, Site, serve

try:
    from playwright.sync_api import Browser, Page
except ImportError:  # pragma: no cover
    Browser = Page = object  # type: ignore[misc,assignment]

#: the provider, started once per session (tests/oidc.py).
idp = oidc.idp


@pytest.fixture
def sso_site(idp: Idp, db_url: str, tmp_path: Path) -> Iterator[Site]:
    with serve(idp, db_url, tmp_path) as served:
        yield served


def test_sign_in_through_the_company_provider_shows_my_account(
    browser: Browser, idp: Idp, sso_site: Site
) -> None:
    idp.set_account(
        "grace",
        {
            "email": "grace.hopper@example.test",
            "email_verified": True,
            "name": "Grace Hopper",
            "employee_number": "E-1906",
            "department": "Engineering",
            "groups": ["staff"],
        },
    )
    context = new_context(browser, 390)
    try:
        page = context.new_page()
        page.goto(sso_site.root + "/")
        # not signed in: the app sends the browser to the provider's login form
        page.wait_for_selector("input[name=login]")
        page.fill("input[name=login]", "grace")
        page.fill("input[name=password]", "any")
        page.click("button[type=submit]")
        if not page.url.startswith(sso_site.root):
            page.click("button[type=submit]")  # the provider's consent screen
        page.wait_for_url(sso_site.root + "/")
        assert "Grace Hopper" in page.inner_text("header")
        assert page.locator("nav.main a[aria-current=page]").inner_text().strip() == "My account"
        assert page.get_by_role("button", name="Sign out").is_visible()
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "sso-home-390-en.png"), full_page=True)
    finally:
        context.close()


def test_switching_to_chinese_keeps_the_page(browser: Browser, live: Live) -> None:
    from tests.browser.conftest import sign_in

    context = new_context(browser, 390)
    try:
        sign_in(context, live, "admin")
        page = context.new_page()
        page.goto(live.root + "/admin/audit?lang=en")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.click("header a.language[hreflang=zh-CN]")
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert page.url.split("?")[0] == live.root + "/admin/audit"
        assert page.locator("h1").inner_text() == "审计日志"
        # the choice stays on the next page, without ?lang=
        page.goto(live.root + "/admin/methodology")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
    finally:
        context.close()


def test_the_menu_folds_on_a_phone_and_opens_without_script(browser: Browser, live: Live) -> None:
    from tests.browser.conftest import sign_in

    context = new_context(browser, 390, java_script_enabled=False)
    try:
        sign_in(context, live, "admin")
        page = context.new_page()
        page.goto(live.root + "/admin?lang=en")
        more = page.locator("nav.main details.more")
        assert more.is_visible()
        admin_link = more.get_by_role("link", name="Admin")
        assert not admin_link.is_visible()
        more.locator("summary").click()
        assert admin_link.is_visible()
        assert admin_link.get_attribute("aria-current") == "page"
        for name in ("Sign out", "中文"):
            box = page.get_by_text(name, exact=True).bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390, name
        # the skip link is the first stop of the keyboard
        page.goto(live.root + "/admin?lang=en")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
    finally:
        context.close()
