"""The employee's journeys of issue 13 in Chromium, each checked the way a person would notice
it going wrong: the figure on the page is the one in the database, a filter shows only what
it says, a confirmation redeems once, a download holds my trips and no one else's.

Each journey ends with screenshots of its pages at 390 and 1280 px in English and Chinese
under test-artefacts/screens/journeys/. The journeys that change data use the module's own
copy of the demo database (the ``live`` fixture) and read their expectations from it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from corp_carbon.catalogue import load_catalogue
from corp_carbon.db.models import Activity, Assessment, Employee, Redemption
from corp_carbon.domain.commute_log import week_of, window_start
from corp_carbon.domain.periods import preset
from corp_carbon.domain.vocabulary import Mode
from corp_carbon.services.commutes import entries
from corp_carbon.services.ledger.postings import balance
from corp_carbon.services.people.employees import add_employee
from corp_carbon.web.state import EXTENSION_KEY
from tests import oidc
from tests.browser.conftest import CHROMIUM_ARGS, Live, new_context, sign_in
from tests.browser.journeys import (
    Portal,
    app_on_copy,
    dev_sign_in,
    points,
    screen,
    serving,
    shoot,
    shows_page,
    shows_widget,
    whole,
)
from tests.oidc import Idp, serve
from tests.support import OPERATOR

try:
    from playwright.sync_api import Browser, BrowserType, Page
except ImportError:  # pragma: no cover
    Browser = BrowserType = Page = Any  # type: ignore[misc,assignment]

#: the provider, started once per session (tests/oidc.py).
idp = oidc.idp


def ledger_balance(live: Live, employee_id: int) -> int:
    with live.uow() as uow:
        return balance(uow.session, employee_id)


@pytest.fixture(scope="module")
def page(browser: Browser, live: Live) -> Iterator[Page]:
    """A desktop window signed in as the demo's busiest employee, shared by the journeys that
    only read (each goes to its own page first)."""
    context = new_context(browser, 1280)
    sign_in(context, live, "employee")
    yield context.new_page()
    context.close()


# --- 1. sign in through the company's provider and see the balance ----------------------------


def test_sign_in_through_the_provider_and_see_my_balance(
    browser: Browser, idp: Idp, live: Live, demo_database: Path, tmp_path: Path
) -> None:
    with live.uow() as uow:
        me = uow.session.get(Employee, live.employee_id)
        assert me is not None
        claims = {
            "email": me.email,
            "email_verified": True,
            "name": me.name,
            "employee_number": me.employee_number,
            "department": me.department,
            "groups": ["staff"],
        }
        name = me.name
    idp.set_account("journey", claims)
    copy = tmp_path / "sso.sqlite"
    copy.write_bytes(demo_database.read_bytes())
    with serve(idp, f"sqlite:///{copy}", tmp_path) as site:
        with site.uow() as uow:
            expected = balance(uow.session, live.employee_id)
        assert expected > 0, "the demo's busiest employee has points"
        context = new_context(browser, 390)
        try:
            p = context.new_page()
            p.goto(site.root + "/?lang=en")
            p.wait_for_selector("input[name=login]")  # the provider's form, not ours
            assert not p.url.startswith(site.root)
            p.fill("input[name=login]", "journey")
            p.fill("input[name=password]", "any")
            p.click("button[type=submit]")
            if not p.url.startswith(site.root):
                p.click("button[type=submit]")  # the provider's consent screen
            p.wait_for_url(site.root + "/**")
            assert name in p.inner_text("header")
            shown = p.locator(".balance-card .balance .figure").inner_text()
            assert shown == points(expected)
            assert p.locator("#balance-heading").inner_text() == "Balance"
        finally:
            context.close()
    shoot(browser, live, "1-sign-in", [("home", "/")], live.employee_id)


# --- 2. filter trips, open one's explanation ---------------------------------------------------


def test_filter_trips_and_open_an_explanation(browser: Browser, live: Live, page: Page) -> None:
    span = preset("last-12-months", date.today())
    mine = sa.select(Activity.id).where(
        Activity.employee_id == live.employee_id,
        Activity.travel_date.between(span.first, span.last),
    )
    with live.uow() as uow:
        everything = set(uow.session.scalars(mine))
        by_mode = uow.session.execute(
            sa.select(Activity.mode, sa.func.count())
            .where(Activity.id.in_(everything))
            .group_by(Activity.mode)
            .order_by(sa.func.count().desc(), Activity.mode)
        ).all()
    mode = Mode(by_mode[0][0])
    with live.uow() as uow:
        matching = set(uow.session.scalars(mine.where(Activity.mode == mode)))
    assert 0 < len(matching) < len(everything), "the filter has something to leave out"

    page.goto(live.root + "/trips?lang=en")
    page.select_option("#f-period", "last-12-months")
    page.select_option("#f-mode", mode.value)
    page.get_by_role("button", name="Show trips").click()
    page.wait_for_url(re.compile(r"/trips\?.*mode="))
    assert page.locator("#trips-title").inner_text() == (
        "1 trip" if len(matching) == 1 else f"{len(matching)} trips"
    )
    assert page.locator("#f-mode").input_value() == mode.value  # the form keeps the choice
    listed = [
        int(href.rsplit("/", 1)[1])
        for href in page.locator("table.trip-list tbody th a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]
    assert listed and len(listed) == min(len(matching), 25)
    assert set(listed) <= matching, "only trips of the chosen mode and period"
    shots = [("trips", page.url.removeprefix(live.root).replace("lang=en", "").rstrip("&?"))]

    with live.uow() as uow:
        assessed = uow.session.scalars(
            sa.select(Assessment)
            .where(Assessment.activity_id.in_(listed), Assessment.comparison.is_(False))
            .order_by(Assessment.id.desc())
        ).first()
        assert assessed is not None
        trip_id, factor_id, set_id = (
            assessed.activity_id,
            assessed.factor_id,
            assessed.factor_set_id,
        )
    factor_set = load_catalogue().factor_sets[set_id]
    factor = next(f for f in factor_set.factors.values() if f.publisher_id == factor_id)

    page.locator(f'table.trip-list a[href$="/trips/{trip_id}"]').click()
    page.wait_for_url(f"**/trips/{trip_id}*")
    trail = page.locator("ol.trail").inner_text()
    assert factor_id in trail, "the factor's publisher ID"
    assert factor.label in trail, "the factor's name"
    assert factor_set.title in page.locator("main").inner_text(), "the factor set's title"
    details = page.locator("details.technical")
    assert details.evaluate("d => d.open") is False, "technical details start closed"
    assert not details.locator("dl, ul").first.is_visible()
    details.locator("summary").click()
    assert details.evaluate("d => d.open") is True
    assert details.locator("dl, ul").first.is_visible()
    shots.append(("trip", f"/trips/{trip_id}"))
    shoot(browser, live, "2-trips", shots, live.employee_id)


# --- 3. the commute profile, a week of commutes, the points on the home page ----------------


def _week_to_log(live: Live) -> tuple[date, list[date]]:
    """The last whole working week the correction window still takes, else this week so far."""
    today = entries.today()
    settings = live.app.extensions[EXTENSION_KEY].settings
    first = window_start(today, settings.commute.correction_window_days)
    monday = week_of(today) - timedelta(days=7)
    if monday >= first:
        return monday, [monday + timedelta(days=n) for n in range(5)]
    monday = week_of(today)
    days = [monday + timedelta(days=n) for n in range(7)]
    return monday, [d for d in days if first <= d <= today][:5]


def test_set_my_commute_profile_and_log_a_week(browser: Browser, live: Live) -> None:
    newcomer = add_employee(
        live.uow(), OPERATOR, email="ada.commuter@example.test", name="Ada Commuter",
        employee_number="E-4242", department="Engineering",
    )  # fmt: skip
    monday, days = _week_to_log(live)
    context = new_context(browser, 390)
    try:
        sign_in(context, live, "employee", newcomer.id)
        p = context.new_page()
        p.goto(live.root + "/?lang=en")
        assert p.locator(".balance .figure").inner_text() == "0"

        p.goto(live.root + "/commute?lang=en")
        assert p.locator("details.profile-edit").evaluate("d => d.open"), "no profile yet: open"
        p.select_option("#p-mode", "bike")
        p.fill("#p-km", "6.5")
        p.fill("#p-days", "5")
        p.select_option("#p-baseline", "car")
        p.get_by_role("button", name="Save my profile").click()
        p.wait_for_load_state()
        cards = p.locator(".profile-cards").inner_text()
        assert "6.5 km" in cards and "bike" not in cards.lower().split(), cards
        assert p.locator("table.history tbody tr").count() == 1

        # the week form, prefilled from the profile
        assert p.locator("#week-mode").input_value() == "bike"
        assert p.locator("#week-km").input_value() == "6.5"
        p.fill("#week-start", monday.isoformat())
        wanted = {(d - monday).days for d in days}
        for n in range(7):
            p.locator(f"input[name=weekday][value='{n}']").set_checked(n in wanted)
        p.get_by_role("button", name="Log these days").click()
        p.wait_for_url("**/commute*")
        flash = p.locator(".flash").first.inner_text()
        found = re.search(r"Logged (\d+) trips: ([\d,]+) points", flash)
        assert found, flash
        assert int(found.group(1)) == 2 * len(days), "there and back, each day"
        earned = whole(found.group(2))
        assert earned > 0, "cycling instead of driving earns points"
        shown = 0
        for day in days:
            row = p.locator(f"#day-{day.isoformat()}")
            assert row.is_visible(), day
            assert "there and back" in row.inner_text()
            shown += whole(row.locator("td[data-label=Points]").inner_text())
        assert shown == earned, "the days' points add up to what the message said"
        shots = [("commute-logged", "/commute")]

        p.goto(live.root + "/trips?kind=commute&lang=en")
        assert p.locator("#trips-title").inner_text() == f"{2 * len(days)} trips"
        p.goto(live.root + "/?lang=en")
        assert ledger_balance(live, newcomer.id) == earned
        assert p.locator(".balance .figure").inner_text() == points(earned), "the balance rose"
        shots += [("home-after", "/"), ("commute-trips", "/trips?kind=commute")]
    finally:
        context.close()
    shoot(browser, live, "3-commute", shots, newcomer.id)


# --- 4. compare a route -------------------------------------------------------------------------


def test_compare_a_route_with_suggestions(browser: Browser, live: Live, page: Page) -> None:
    page.goto(live.root + "/compare?lang=en")
    origin = page.locator("#compare-from")
    origin.press_sequentially("Edinb", delay=40)
    # a locator waits without eval (the page's Content-Security-Policy forbids it)
    page.locator("#places-from option").first.wait_for(state="attached")
    suggestions = page.locator("#places-from option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert any("Edinburgh" in s for s in suggestions), suggestions
    origin.fill(next(s for s in suggestions if "Edinburgh" in s))  # picked from the list
    page.fill("#compare-to", "London")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare?*")
    heading = page.locator("main h2").first.inner_text()
    assert "Edinburgh" in heading and "London" in heading and "→" in heading, heading
    options = page.locator("table.compare tbody tr td:first-child").all_inner_texts()
    figures = [
        float(t.replace(",", ""))
        for t in page.locator("table.compare .kg-figure").all_inner_texts()
    ]
    assert len(options) >= 3 and len(figures) == len(options)
    assert figures == sorted(figures), "lowest emissions first"
    assert any("flight" in o.lower() or "plane" in o.lower() for o in options), options
    url = page.url.removeprefix(live.root).replace("&lang=en", "")
    shoot(browser, live, "4-compare", [("route", url)], live.employee_id)


# --- 5. redeem with a confirmation --------------------------------------------------------------


def test_redeem_with_confirmation(browser: Browser, live: Live, page: Page) -> None:
    before = ledger_balance(live, live.employee_id)
    with live.uow() as uow:
        count_before = uow.session.scalar(
            sa.select(sa.func.count()).where(Redemption.employee_id == live.employee_id)
        )
    page.goto(live.root + "/rewards?lang=en")
    assert page.locator("#balance").inner_text().startswith(points(before))
    offer = page.locator("table.rewards-catalogue tbody tr:has(a.button)").first
    cost = whole(offer.locator("td[data-label='Cost (points)']").inner_text())
    name = offer.locator("th strong").inner_text()
    offer.locator("a.button").click()

    page.wait_for_url("**/confirm*")
    assert page.locator("h1").inner_text() == f"Redeem {name}?"
    assert whole(page.locator("#cost").inner_text()) == cost
    assert whole(page.locator("#balance").inner_text()) == before
    assert whole(page.locator("#balance-after").inner_text()) == before - cost
    form = page.locator("form.confirm-actions")
    fields: dict[str, str | float | bool] = {
        n: form.locator(f"input[name={n}]").input_value()
        for n in ("csrf_token", "reward_id", "request_key", "confirmed")
    }
    confirm_path = page.url.removeprefix(live.root).split("?")[0]
    page.get_by_role("button", name=f"Redeem for {points(cost)} points").click()
    page.wait_for_url(re.compile(r"/rewards(\?.*)?#redemption-\d+$"))
    redemption_id = int(page.url.rsplit("-", 1)[1])
    assert name in page.locator(".flash").first.inner_text()

    # the same form sent again (a double click, a resend): nothing more is taken
    again = page.request.post(f"{live.root}/rewards/redeem", form=fields)
    assert again.ok
    assert ledger_balance(live, live.employee_id) == before - cost
    with live.uow() as uow:
        count_after = uow.session.scalar(
            sa.select(sa.func.count()).where(Redemption.employee_id == live.employee_id)
        )
    assert count_after == (count_before or 0) + 1, "redeemed once"

    page.goto(live.root + "/rewards?lang=en")
    row = page.locator(f"#redemption-{redemption_id}")
    status = row.locator(".badge").inner_text()
    assert status and "_" not in status and status[0].isupper(), status
    assert row.locator(f"time[datetime='{date.today().isoformat()}']").count() >= 1
    assert whole(page.locator("#balance").inner_text()) == before - cost
    shoot(
        browser,
        live,
        "5-redeem",
        [("rewards", "/rewards"), ("confirm", confirm_path)],
        live.employee_id,
    )


# --- 6. download my data ----------------------------------------------------------------------


def _export_ids(rows: list[dict[str, Any]]) -> set[int]:
    return {int(row["id"]) for row in rows}


def test_download_my_data_as_json_and_csv(browser: Browser, live: Live, page: Page) -> None:
    if not live.has("carbon.my_data"):
        pytest.skip("carbon.my_data is not registered in this build")
    with live.uow() as uow:
        mine = set(
            uow.session.scalars(
                sa.select(Activity.id).where(Activity.employee_id == live.employee_id)
            )
        )
        others = set(
            uow.session.scalars(
                sa.select(Activity.id).where(Activity.employee_id != live.employee_id)
            )
        )
    assert mine and others
    page.goto(live.root + "/my-data?lang=en")

    with page.expect_download() as got:
        page.get_by_role("link", name="Download as JSON").click()
    document = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    in_json = _export_ids(document["sections"]["trips"])
    assert in_json == mine, "every trip of mine"
    assert not in_json & others, "no one else's"

    with page.expect_download() as got:
        page.get_by_role("link", name=re.compile("CSV")).click()
    with zipfile.ZipFile(got.value.path()) as archive:
        name = next(n for n in archive.namelist() if n.endswith("/trips.csv"))
        text = archive.read(name).decode("utf-8-sig")
    in_csv = _export_ids(list(csv.DictReader(io.StringIO(text))))
    assert in_csv == mine and not in_csv & others
    shoot(browser, live, "6-my-data", [("my-data", "/my-data")], live.employee_id)


# --- 7. switch to Chinese from the header ---------------------------------------------------


def test_switch_to_chinese_from_the_header(browser: Browser, live: Live) -> None:
    context = new_context(browser, 390)
    try:
        sign_in(context, live, "employee")
        p = context.new_page()
        p.goto(live.root + "/trips?lang=en")
        assert p.evaluate("document.documentElement.lang") == "en"
        assert p.locator("h1").inner_text() == "My trips"
        p.click("header a.language[hreflang=zh-CN]")
        p.wait_for_load_state()
        assert p.evaluate("document.documentElement.lang") == "zh-CN"
        assert p.url.split("?")[0] == live.root + "/trips", "the same page"
        assert p.locator("h1").inner_text() == "我的行程"
        assert p.get_by_role("button", name="显示行程").is_visible()
        routes = p.locator("table.trip-list tbody th a").all_inner_texts()
        assert routes and not [r for r in routes if re.search(r"\b(Home|Office)\b", r)], routes
        p.screenshot(path=str(screen("7-chinese-trips-390-zh-CN.png")), full_page=True)
        # the choice sticks, with no ?lang= in the address
        p.goto(live.root + "/rewards")
        assert p.evaluate("document.documentElement.lang") == "zh-CN"
        assert p.locator("h1").inner_text() == "奖励"
        assert p.locator("header a.language[hreflang=en]").is_visible(), "and a way back"
    finally:
        context.close()


# --- 8. the widget in the company portal's iframe ---------------------------------------------


@pytest.fixture(scope="module")
def corp_browser(
    browser_type: BrowserType, browser_type_launch_args: dict[str, Any]
) -> Iterator[Browser]:
    """Chromium resolving every *.corp.test to 127.0.0.1: portal and app are then two
    subdomains of one site, as on an intranet, so the SameSite=Lax session cookie is sent."""
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP *.corp.test 127.0.0.1"]
    launched = browser_type.launch(**{**browser_type_launch_args, "args": args})
    yield launched
    launched.close()


def test_the_widget_in_the_portal_and_refused_elsewhere(
    corp_browser: Browser, browser: Browser, live: Live, demo_database: Path, tmp_path: Path
) -> None:
    with serving(Portal()) as portal:
        allowed = f"http://portal.corp.test:{portal.server_port}"
        elsewhere = f"http://elsewhere.corp.test:{portal.server_port}"
        web = {"widget_allowed_origins": [allowed]}
        with app_on_copy(demo_database, tmp_path, web=web) as app, serving(app) as carbon:
            root = f"http://carbon.corp.test:{carbon.server_port}"
            with app.app_context():
                state = app.extensions[EXTENSION_KEY]
                with state.uow() as uow:
                    expected = balance(uow.session, live.employee_id)
                    email = uow.session.get(Employee, live.employee_id).email
            context = new_context(corp_browser, 390)
            try:
                p = context.new_page()
                dev_sign_in(p, root, email)
                widget = f"{root}/widget?lang=en"
                p.goto(f"{allowed}/?src={widget}")
                frame = p.frame_locator("#carbon")
                assert frame.locator("h1").inner_text() == "My carbon account"
                assert frame.locator(".figures .figure").first.inner_text() == points(expected)
                p.screenshot(path=str(screen("8-widget-portal-390-en.png")), full_page=True)

                p.goto(f"{elsewhere}/?src={widget}")
                p.wait_for_load_state("load")
                child = next(f for f in p.frames if f != p.main_frame)
                # Chromium puts its error page in a frame its policy refuses
                assert child.url.startswith("chrome-error:"), child.url
                assert not shows_widget(child), "the widget refused from another origin"
                p.screenshot(path=str(screen("8-widget-refused-390-en.png")), full_page=True)

                # and no other page of the app may be framed, even by the portal
                p.goto(f"{allowed}/?src={root}/rewards")
                p.wait_for_load_state("load")
                child = next(f for f in p.frames if f != p.main_frame)
                assert child.url.startswith("chrome-error:"), child.url
                assert not shows_page(child), "the rewards page refused in a frame"
            finally:
                context.close()
    shoot(browser, live, "8-widget", [("widget", "/widget")], live.employee_id)
