"""Golden files for the concur-sae, generic-csv and commute-survey connectors.

Each input ``golden/<connector>/<name>.<ext>`` is extracted (with ``<name>.mapping.toml`` as
the connector's mapping when present) and compared with ``<name>.expected.json``. Run with
``CORP_CARBON_UPDATE_GOLDEN=1`` to rewrite the JSON after a deliberate change, then review it.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from connectors import ConnectorOptions
from tests.connectors.golden import GOLDEN, dump, extract_plain

CONNECTORS = ("concur-sae", "generic-csv", "commute-survey")
NOT_INPUT = (".expected.json", ".mapping.toml")


def _inputs() -> list[tuple[str, Path]]:
    found = []
    for connector in CONNECTORS:
        for path in sorted((GOLDEN / connector).iterdir()):
            if path.is_file() and not path.name.endswith(NOT_INPUT):
                found.append((connector, path))
    return found


def _options(path: Path) -> ConnectorOptions:
    mapping = path.with_name(path.stem + ".mapping.toml")
    if not mapping.exists():
        return ConnectorOptions()
    return ConnectorOptions(mapping=tomllib.loads(mapping.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("connector", "path"), _inputs(), ids=lambda v: v.name if isinstance(v, Path) else v
)
def test_golden(connector: str, path: Path) -> None:
    expected_path = path.with_name(path.stem + ".expected.json")
    actual = dump(extract_plain(connector, path, _options(path)))
    if os.environ.get("CORP_CARBON_UPDATE_GOLDEN") == "1":
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"run with CORP_CARBON_UPDATE_GOLDEN=1 to create {expected_path}"
    assert json.loads(actual) == json.loads(expected_path.read_text(encoding="utf-8"))


def test_every_connector_has_inputs() -> None:
    assert {c for c, _ in _inputs()} == set(CONNECTORS)
