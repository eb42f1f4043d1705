"""Importing a connector or the domain core never loads the web app or the database layer.

Each check runs in a fresh interpreter, because within the test process Flask and
SQLAlchemy are long loaded by the fixtures.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("flask", "sqlalchemy", "openpyxl", "authlib", "scim2_models")


def _modules_loaded_by(statement: str) -> list[str]:
    probe = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return [name for name in HEAVY if name in loaded]


@pytest.mark.parametrize(
    "statement",
    [
        "from connectors.navan import Navan",
        "import connectors",
        "import corp_carbon.domain",
        "import corp_carbon.domain.scoring.engine, corp_carbon.domain.ledger, corp_carbon.domain.matching",
        "from connectors import get_connector; get_connector('concur-itinerary')",
    ],
)
def test_connectors_and_domain_load_neither_web_nor_database(statement: str) -> None:
    assert _modules_loaded_by(statement) == []


def test_the_package_face_still_builds_the_app_on_first_use() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import corp_carbon; print(corp_carbon.create_app.__name__)"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "create_app"
