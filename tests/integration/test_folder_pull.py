"""Pulls from a watched folder: each file imported once, in name order, then moved or remembered."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from corp_carbon.config import SourceConfig
from corp_carbon.db.models import ImportRun, ImportSource
from corp_carbon.db.session import make_engine, make_session_factory
from corp_carbon.domain.vocabulary import ImportRunStatus
from corp_carbon.jobs.tasks import Runtime
from corp_carbon.services.imports import pull
from corp_carbon.services.imports import sources as import_sources
from corp_carbon.services.imports.locations import PullError
from tests.conftest import make_settings

NAVAN = Path(__file__).resolve().parents[1] / "connectors" / "golden" / "navan"
EXPORT = NAVAN / "navan_bookings_export.csv"
FINISHED = {ImportRunStatus.SUCCEEDED, ImportRunStatus.COMPLETED_WITH_ERRORS}


def navan_rows(first: int, last: int) -> str:
    """The header and data rows first..last (1-based) of the golden Navan export."""
    lines = EXPORT.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join([lines[0], *lines[first : last + 1]])


def drop(folder: Path, name: str, text: str, age_seconds: float = 60) -> Path:
    """A file as an export would leave it: written, then left alone for a while."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def make_runtime(db_url: str, tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    engines: list[sa.Engine] = []

    def make(**source: Any) -> Runtime:
        values = {"name": "navan-drop", "connector": "navan", "settle_seconds": 0, **source}
        settings = make_settings(db_url, tmp_path, scheduler={"retry_backoff_seconds": 1})
        settings = settings.model_copy(update={"sources": [SourceConfig(**values)]})
        engine = make_engine(db_url)
        engines.append(engine)
        return Runtime(settings, engine, make_session_factory(engine))

    yield make
    for engine in engines:
        engine.dispose()


def runs(rt: Runtime) -> list[ImportRun]:
    with rt.uow() as uow:
        found = list(uow.session.scalars(sa.select(ImportRun).order_by(ImportRun.id)))
        uow.session.expunge_all()  # readable after the unit of work rolls back
        return found


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_new_files_are_imported_once_in_name_order_and_moved(
    make_runtime: Callable[..., Runtime], inbox: Path
) -> None:
    rt = make_runtime(location=str(inbox), after="move")
    source = rt.settings.sources[0]
    drop(inbox, "b-august.csv", navan_rows(5, 12))
    drop(inbox, "a-may.csv", navan_rows(1, 4))

    result = pull.pull_source(rt.uow, rt.settings, source)

    assert [f.name for f in result.files] == ["a-may.csv", "b-august.csv"]
    assert [f.status for f in result.files] == ["imported", "imported"]
    done = runs(rt)
    assert [r.file_name for r in done] == ["a-may.csv", "b-august.csv"]
    assert {r.status for r in done} <= FINISHED
    assert {r.started_by for r in done} == {"schedule:navan-drop"}
    assert sorted(p.name for p in inbox.iterdir()) == ["processed"]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == [
        "a-may.csv",
        "b-august.csv",
    ]

    again = pull.pull_source(rt.uow, rt.settings, source)
    assert again.files == []
    assert len(runs(rt)) == 2

    # the same content dropped again under another name is recognised, and moved away too
    drop(inbox, "c-copy-of-may.csv", navan_rows(1, 4))
    third = pull.pull_source(rt.uow, rt.settings, source)
    assert [(f.name, f.status) for f in third.files] == [("c-copy-of-may.csv", "skipped")]
    assert len(runs(rt)) == 2
    assert not (inbox / "c-copy-of-may.csv").exists()


def test_remember_keeps_files_and_imports_only_new_content(
    make_runtime: Callable[..., Runtime], inbox: Path
) -> None:
    rt = make_runtime(location=str(inbox), after="remember")
    source = rt.settings.sources[0]
    drop(inbox, "bookings.csv", navan_rows(1, 4))

    first = pull.pull_source(rt.uow, rt.settings, source)
    assert [f.status for f in first.files] == ["imported"]
    second = pull.pull_source(rt.uow, rt.settings, source)
    assert [f.status for f in second.files] == ["skipped"]
    assert (inbox / "bookings.csv").exists()
    assert len(runs(rt)) == 1

    drop(inbox, "bookings.csv", navan_rows(1, 8))  # the export grew overnight
    third = pull.pull_source(rt.uow, rt.settings, source)
    assert [f.status for f in third.files] == ["imported"]
    assert len(runs(rt)) == 2


def test_pattern_partial_uploads_and_unsettled_files_wait(
    make_runtime: Callable[..., Runtime], inbox: Path
) -> None:
    rt = make_runtime(location=str(inbox), pattern="*.csv", settle_seconds=30)
    source = rt.settings.sources[0]
    drop(inbox, "notes.txt", "not an export\n")
    drop(inbox, ".hidden.csv", navan_rows(1, 2))
    drop(inbox, "upload.csv.part", navan_rows(1, 2))
    drop(inbox, "still-writing.csv", navan_rows(1, 2), age_seconds=0)
    (inbox / "sub.csv").mkdir()

    assert pull.pull_source(rt.uow, rt.settings, source).files == []
    assert runs(rt) == []

    old = time.time() - 60
    os.utime(inbox / "still-writing.csv", (old, old))
    result = pull.pull_source(rt.uow, rt.settings, source)
    assert [f.name for f in result.files] == ["still-writing.csv"]


def test_missing_folder_is_a_failed_run_with_a_readable_error(
    make_runtime: Callable[..., Runtime], tmp_path: Path
) -> None:
    rt = make_runtime(location=str(tmp_path / "nowhere"))
    with pytest.raises(PullError, match="does not exist"):
        pull.pull_source(rt.uow, rt.settings, rt.settings.sources[0], failure_note="attempt 1")

    (run,) = runs(rt)
    assert run.status == ImportRunStatus.FAILED
    assert run.file_name == str(tmp_path / "nowhere")
    assert (
        run.error == f"folder {tmp_path / 'nowhere'} does not exist or is not a folder (attempt 1)"
    )
    assert run.finished_at is not None


def test_a_file_that_fails_stays_in_place_and_the_rest_go_on(
    make_runtime: Callable[..., Runtime], inbox: Path
) -> None:
    rt = make_runtime(location=str(inbox), after="move")
    drop(inbox, "a-broken.csv", "garbage, not a navan export\n\x00\x01\n")
    drop(inbox, "b-good.csv", navan_rows(1, 4))

    result = pull.pull_source(rt.uow, rt.settings, rt.settings.sources[0])

    assert [(f.name, f.status) for f in result.files] == [
        ("a-broken.csv", "failed"),
        ("b-good.csv", "imported"),
    ]
    assert result.failed
    assert (inbox / "a-broken.csv").exists()
    assert (inbox / "processed" / "b-good.csv").exists()
    broken, good = runs(rt)
    assert broken.status == ImportRunStatus.FAILED and broken.error
    assert good.status in FINISHED


def test_configured_sources_are_synced_by_name(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime(location="/srv/drop", schedule="every 15m")
    import_sources.sync_sources(rt.uow(), list(rt.settings.sources))
    changed = rt.settings.sources[0].model_copy(
        update={"schedule": "0 6 * * *", "enabled": False, "mapping": {"date": "Datum"}}
    )
    import_sources.sync_sources(rt.uow(), [changed])
    with rt.uow() as uow:
        (row,) = uow.session.scalars(
            sa.select(ImportSource).where(ImportSource.name == "navan-drop")
        )
        assert (row.connector, row.location, row.schedule, row.enabled, row.mapping) == (
            "navan",
            "/srv/drop",
            "0 6 * * *",
            False,
            {"date": "Datum"},
        )


def test_sources_commands_list_and_pull_now(
    make_runtime: Callable[..., Runtime], inbox: Path, tmp_path: Path
) -> None:
    from corp_carbon import create_app
    from corp_carbon.cli.scheduler import sources
    from corp_carbon.web.state import EXTENSION_KEY

    rt = make_runtime(location=str(inbox), schedule="every 1h")
    drop(inbox, "may.csv", navan_rows(1, 4))
    app = create_app(rt.settings)
    try:
        runner = app.test_cli_runner()
        listed = runner.invoke(sources, ["list"])
        assert listed.exit_code == 0, listed.output
        assert listed.output.splitlines()[:3] == [
            "navan-drop",
            f"  navan from {inbox}, every 1h, after: move",
            "  never run",
        ]
        pulled = runner.invoke(sources, ["pull", "navan-drop"])
        assert pulled.exit_code == 0, pulled.output
        assert "may.csv: imported (run " in pulled.output
        assert "navan-drop: 1 imported, 0 already imported, 0 failed" in pulled.output
        (run,) = runs(rt)
        assert run.started_by.startswith("cli:")
        assert "last run " in runner.invoke(sources, ["list"]).output

        unknown = runner.invoke(sources, ["pull", "nope"])
        assert unknown.exit_code == 1
        assert "no source named 'nope' (sources: navan-drop)" in unknown.output
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()
