"""Every page at 390 and 1280 px, in English and Chinese, as a person sees it in Chromium.

For each page: no sideways scrolling (``scrollWidth`` <= the window), no serious or critical
axe-core violation, a full-page screenshot under test-artefacts/screens/, and under zh-CN no
English left: (1) the catalogue's recorder names every msgid the page looked up without a
translation; (2) the visible text has no run of English words that is not data (names,
places, rewards, factor-set publishers).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import url_for

from connectors import REGISTRY, connector_class
from corp_carbon.catalogue import load_catalogue
from corp_carbon.db.models import (
    Activity,
    AuditEvent,
    Employee,
    FactorSetRecord,
    ImportRun,
    ImportSource,
    Redemption,
    Reward,
)
from corp_carbon.web import i18n
from corp_carbon.web.state import EXTENSION_KEY
from tests.browser.conftest import ARTEFACTS, AXE, LANGUAGES, WIDTHS, Live
from tests.browser.pages import PAGES, Spec

try:
    from playwright.sync_api import ConsoleMessage, Page
except ImportError:  # pragma: no cover
    Page = ConsoleMessage = object  # type: ignore[misc,assignment]

#: English runs that are words of the product itself, not data, allowed on Chinese pages.
ALLOWED_ENGLISH = {"corp-carbon", "English"}
#: two or more English words in a row ("Sign out", "Points balance").
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ '’-]+[A-Za-z][a-z]+)+\b")
#: the visible text of the page, outside code and parts marked as English (lang="en").
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    if (el.closest('script, style, noscript, code, template, [lang^="en"]')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    out.push(node.textContent.trim());
  }
  return out;
}"""


def _url(live: Live, spec: Spec, employee_id: int) -> str | None:
    if spec.path:
        return live.root + spec.path
    arguments: dict[str, object] = {}
    if spec.arguments is not None:
        with live.uow() as uow:
            found = spec.arguments(uow.session, employee_id)
        if found is None:
            return None
        arguments = found
    with live.app.test_request_context():
        path = url_for(spec.endpoint, **arguments)
    return live.root + path + ("?" + spec.query if spec.query else "")


def _data_words(live: Live) -> str:
    """Every name the demo data holds, joined: an English run inside it is data, not words."""
    with live.uow() as uow:
        s = uow.session
        columns = [
            sa.select(Employee.name),
            sa.select(Employee.department),
            sa.select(Employee.office),
            sa.select(Reward.name),
            sa.select(Reward.description),
            sa.select(Reward.project_name),
            sa.select(FactorSetRecord.publisher),
            sa.select(FactorSetRecord.title),
            sa.select(Activity.origin).distinct(),
            sa.select(Activity.destination).distinct(),
            sa.select(Activity.carrier).distinct(),
            sa.select(ImportSource.name),
            sa.select(Redemption.note),
            sa.select(ImportRun.started_by).distinct(),
            sa.select(AuditEvent.actor_label).distinct(),  # who acted, as the log names them
        ]
        found = [str(v) for query in columns for v in s.scalars(query) if v]
    found.append(live.app.extensions[EXTENSION_KEY].settings.app.company_name)
    # the travel systems' export formats, by their names and their vendors' titles
    found += [f"{name} {connector_class(name).title}" for name in REGISTRY]
    # the published factor sets: publishers, titles, licences and the publishers' factor names
    for factor_set in load_catalogue().factor_sets.values():
        found += [factor_set.publisher, factor_set.title, factor_set.licence]
        found += [f"{f.publisher_id} {f.label}" for f in factor_set.factors.values()]
    return "\n".join(found)


@pytest.fixture(scope="module")
def data_words(live: Live) -> str:
    return _data_words(live)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_page(
    spec: Spec,
    width: int,
    language: str,
    live: Live,
    signed_in_page: Callable[[str, int], Page],
    data_words: str,
) -> None:
    if spec.endpoint and not live.has(spec.endpoint):
        pytest.skip(f"{spec.endpoint} is not registered in this build")
    url = _url(live, spec, live.employee_id)
    if url is None:
        pytest.skip(f"the demo database has nothing for {spec.name}")
    page = signed_in_page(spec.role, width)
    i18n_recorder = i18n.recorder
    assert i18n_recorder is not None, f"{i18n.RECORD_ENV}=1 did not switch the recorder on"
    i18n_recorder.take()
    refused: list[str] = []  # what the Content-Security-Policy blocked on this page

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", listen)
    answer = page.goto(url + ("&" if "?" in url else "?") + f"lang={language}")
    assert answer is not None
    expected = {"not-found": 404, "forbidden": 403}.get(spec.name, 200)
    assert answer.status == expected, f"{url}: {answer.status}"
    untranslated = i18n_recorder.take()

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{spec.name}-{width}-{language}.png"), full_page=True)

    page.remove_listener("console", listen)
    problems = problems_on(page, width, language, data_words, untranslated)
    if refused:
        problems.append(f"blocked by the Content-Security-Policy: {refused[:3]}")
    assert not problems, f"{spec.name} at {width} px, {language}:\n" + "\n".join(problems)


def problems_on(
    page: Page, width: int, language: str, data_words: str, untranslated: list[str]
) -> list[str]:
    """What a person would trip over on the page shown: sideways scrolling, serious or
    critical axe-core violations, and on a Chinese page any English that is not data."""
    problems = []
    assert page.evaluate("document.documentElement.lang") == language
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"{scroll_width} px wide at {width} px: {_widest(page, width)}")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools: not subject to the CSP
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3)
                 .map(n => n.target.join(' ')).join(', ')}`)"""
    )
    problems += violations
    if language != "en":
        if untranslated:
            problems.append(f"untranslated msgids: {untranslated}")
        english = sorted(
            {
                run
                for text in page.evaluate(VISIBLE_TEXT)
                for run in ENGLISH_RUN.findall(text)
                if run not in ALLOWED_ENGLISH and run not in data_words
            }
        )
        if english:
            problems.append(f"English words on the Chinese page: {english}")
    return problems


def _widest(page: Page, width: int) -> list[str]:
    """The elements reaching past the window's right edge, to name in the failure."""
    found: list[str] = page.evaluate(
        """(width) => [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > width + 1)
             .slice(0, 6)
             .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className)
                 .split(' ').join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right))""",
        width,
    )
    return found
