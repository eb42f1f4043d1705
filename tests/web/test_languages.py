"""Pages in English or Chinese: the browser's language, a link that changes it for the next
pages too, and a host application keeping the last word when it runs Flask-Babel."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from corp_carbon.web.i18n import COOKIE, gettext, local_date, month_names
from tests.support import csrf_token


def test_a_chinese_browser_gets_chinese_pages(employee: FlaskClient) -> None:
    page = employee.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    text = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in text
    assert "我的碳账户" in text and "退出登录" in text
    assert "Sign out" not in text
    assert 'hreflang="en">English</a>' in text  # the way back, in its own words


def test_an_english_browser_gets_english_pages_with_a_way_to_chinese(employee: FlaskClient) -> None:
    text = employee.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in text and "My account" in text
    assert 'hreflang="zh-CN">中文</a>' in text


def test_choosing_a_language_by_link_sticks_for_the_next_pages(employee: FlaskClient) -> None:
    chosen = employee.get("/points?lang=zh-CN", headers={"Accept-Language": "en"})
    assert "积分明细" in chosen.get_data(as_text=True)
    assert COOKIE in chosen.headers.get("Set-Cookie", "")
    later = employee.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "我的碳账户" in later
    back = employee.get("/?lang=en", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "My account" in back


def test_the_language_link_keeps_the_pages_own_query(employee: FlaskClient) -> None:
    text = employee.get("/?page=2", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/?page=2&amp;lang=zh-CN"' in text


def test_an_unknown_language_falls_back_to_english(employee: FlaskClient) -> None:
    page = employee.get("/?lang=xx", headers={"Accept-Language": "fr-FR"})
    assert "My account" in page.get_data(as_text=True)
    assert COOKIE not in page.headers.get("Set-Cookie", "")


def test_the_employee_pages_are_in_chinese_too(employee: FlaskClient) -> None:
    employee.get("/?lang=zh-CN")  # the choice is kept for the next pages
    pages = {p: employee.get(p).get_data(as_text=True) for p in ("/", "/points", "/compare")}
    assert "您的碳账户从第一次行程开始" in pages["/"] and "first trip" not in pages["/"]
    assert "积分明细" in pages["/points"] and "暂无碳积分" in pages["/points"]
    assert "订票前比一比" in pages["/compare"] and "出发地" in pages["/compare"]


def test_a_message_made_in_a_view_is_in_the_pages_language(employee: FlaskClient) -> None:
    token = csrf_token(employee, "/rewards?lang=zh-CN")
    data = {"csrf_token": token, "reward_id": "none"}
    page = employee.post("/rewards/redeem", data=data, follow_redirects=True)
    assert "请选择要兑换的奖励。" in page.get_data(as_text=True)
    english = employee.post("/rewards/redeem?lang=en", data=data, follow_redirects=True)
    assert "Choose a reward to redeem." in english.get_data(as_text=True)


def test_days_and_months_are_written_the_way_the_language_writes_them(app: Flask) -> None:
    with app.test_request_context("/?lang=zh-CN"):
        assert local_date(date(2026, 3, 4), "%d %b %Y") == "2026年3月4日"
        assert month_names("2026-03", "Mar 2026") == ("2026年3月", "3", "2026年")
    with app.test_request_context("/?lang=en"):
        assert local_date(date(2026, 3, 4), "%d %b %Y") == "04 Mar 2026"
        assert month_names("2026-03", "Mar 2026") == ("Mar 2026", "Mar", "2026")


def test_messages_follow_a_language_forced_within_a_request(app: Flask) -> None:
    """The request keeps its catalogue, and finds it again when the language changes."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("My carbon account") == "My carbon account"
        with force_locale("zh_Hans_CN"):
            assert gettext("My carbon account") == "我的碳账户"
        assert gettext("My carbon account") == "My carbon account"
