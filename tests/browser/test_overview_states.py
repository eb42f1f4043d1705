"""The company overview's states around figures computed ahead, at 390 and 1280 px, in
English and Chinese: figures of an earlier day shown while today's are computed ("being
refreshed"), and a period with no figures yet ("being computed"). Same checks and
screenshots as the page walker (test-artefacts/screens/admin-overview-*.png).

The app computes no period of more than ten activities while the page waits, and both
computations are marked as running elsewhere (the scheduler), so every window sees the
same state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from corp_carbon.db.models import OverviewSnapshot
from corp_carbon.db.types import utcnow
from corp_carbon.domain.periods import Period, preset
from corp_carbon.services.reports import overview_snapshots as snapshots
from corp_carbon.web import i18n
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.browser.conftest import ARTEFACTS, LANGUAGES, WIDTHS, Live, serve_copy
from tests.browser.test_pages import _data_words, problems_on

try:
    from playwright.sync_api import Page
except ImportError:  # pragma: no cover
    Page = object  # type: ignore[misc,assignment]

#: a period nobody asked for: its figures are "being computed".
NEW_PERIOD = "?from=2026-02-01&to=2026-05-31"
STATES = {
    "admin-overview-refreshing": ("", "are being computed and show here once ready"),
    "admin-overview-computing": (NEW_PERIOD, "Reload this page in a minute or two"),
}


@pytest.fixture(scope="module")
def live(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("live-ahead")
    with serve_copy(demo_database, folder, reports={"overview_inline_limit": 10}) as served:
        _prepare(served)
        yield served


def _prepare(live: Live) -> None:
    """This year's figures of yesterday stored; today's and NEW_PERIOD's being computed."""
    state: CarbonState = live.app.extensions[EXTENSION_KEY]
    this_year = preset("this-year", datetime.now(UTC).date())
    earlier = Period(this_year.first, max(this_year.first, this_year.last - timedelta(days=1)))
    snapshots.compute_and_store(state.uow, state.report_uow, state.settings, earlier, "this-year")
    new = Period(datetime(2026, 2, 1).date(), datetime(2026, 5, 31).date())
    for period, name in ((this_year, "this-year"), (new, None)):
        assert snapshots.request_computation(state.uow, period, name)
    with state.uow() as uow:  # claimed by a scheduler: no worker of this app takes them
        uow.session.execute(
            sa.update(OverviewSnapshot)
            .where(OverviewSnapshot.requested_at.is_not(None))
            .values(started_at=utcnow())
        )
        uow.commit()


@pytest.fixture(scope="module")
def data_words(live: Live) -> str:
    return _data_words(live)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(STATES))
def test_the_state_reads_well(
    name: str,
    width: int,
    language: str,
    live: Live,
    signed_in_page: Callable[[str, int], Page],
    data_words: str,
) -> None:
    query, english_words = STATES[name]
    page = signed_in_page("admin", width)
    recorder = i18n.recorder
    assert recorder is not None, f"{i18n.RECORD_ENV}=1 did not switch the recorder on"
    recorder.take()
    sep = "&" if query else "?"
    answer = page.goto(f"{live.root}/admin{query}{sep}lang={language}")
    assert answer is not None and answer.status == 200
    untranslated = recorder.take()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}-{width}-{language}.png"), full_page=True)
    if language == "en":
        assert english_words in page.inner_text("main")
    problems = problems_on(page, width, language, data_words, untranslated)
    assert not problems, f"{name} at {width} px, {language}:\n" + "\n".join(problems)
