"""The page shell every page shares: menu, current page, skip link, words in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.web.admin.audit_words import ACTIONS, action_words
from corp_carbon.web.navigation import PLACES


def test_the_menu_names_the_current_page_and_skips_pages_not_built(employee: FlaskClient) -> None:
    page = employee.get("/points").get_data(as_text=True)
    assert '<a class="skip-link" href="#content">Skip to the content</a>' in page
    assert '<main class="wrap" id="content" tabindex="-1">' in page
    assert 'href="/points" aria-current="page">Points</a>' in page
    assert 'href="/" >' not in page and ">My account</a>" in page
    # places past the phone bar are drawn twice (the wide bar and the phone's "More"): both
    # copies, and nothing else, are marked
    marked = re.findall(r'href="([^"]+)" aria-current="page"', page)
    assert marked and set(marked) == {"/points"}
    # an employee sees no Admin entry; endpoints not registered are left out, not broken
    assert ">Admin</a>" not in page
    registered = employee.application.view_functions
    for place in PLACES:
        if place.endpoint not in registered:
            assert f'href="/{place.endpoint.removeprefix("carbon.")}' not in page


def test_an_operator_finds_admin_under_more_and_it_is_current(operator: FlaskClient) -> None:
    page = operator.get("/admin").get_data(as_text=True)
    assert '<details class="more">' in page
    assert '<summary class="holds-current">More</summary>' in page
    assert 'href="/admin" aria-current="page">Admin</a>' in page


def test_the_shell_in_chinese(operator: FlaskClient) -> None:
    page = operator.get("/admin/audit?lang=zh-CN").get_data(as_text=True)
    for words in ("跳到正文", "我的碳账户", "更多", "退出登录"):
        assert words in page
    assert '<html lang="zh-CN">' in page


def test_every_audit_action_has_words() -> None:
    assert action_words("token.create") == "Created an API token"
    assert action_words("employee.erase") == "Erased an employee's personal data"
    assert action_words("reward.something_new") == "Reward: other action"
    assert action_words("unknown") == "Other action"
    assert all("." in code for code in ACTIONS)


ERRORS = {
    "en": {
        404: ("Page not found", "Back to my account"),
        403: ("You do not have access to this page", "Back to my account"),
        500: ("Something went wrong on our side", "The error was logged; please try again later."),
    },
    "zh-CN": {
        404: ("页面不存在", "返回我的碳账户"),
        403: ("您无权访问此页面", "返回我的碳账户"),
        500: ("服务器出错了", "错误已记录，请稍后再试。"),
    },
}


@pytest.mark.parametrize("language", ERRORS)
def test_error_pages_speak_the_page_language(
    app: Flask,
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
    language: str,
) -> None:
    def broken() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/test-broken", "test_broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    log_in_as(client, create_employee(email="eve@example.com", name="Eve").id)
    for status, path in ((404, "/no-such-page"), (403, "/admin/audit"), (500, "/test-broken")):
        response = client.get(f"{path}?lang={language}")
        page = response.get_data(as_text=True)
        assert response.status_code == status
        assert f'<html lang="{language}">' in page
        for words in ERRORS[language][status]:
            assert words in page, (status, words)
        assert "a bug" not in page and "Traceback" not in page
