"""The domain's shape: it opens no file, and the scoring modules depend on each other one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "corp_carbon" / "domain"
FILE_IO_MODULES = {"tomllib", "pathlib", "os", "io", "shutil", "tempfile"}
#: each scoring module may import only those before it.
SCORING_ORDER = [
    "points",
    "policy",
    "caps",
    "values",
    "explain",
    "lookup",
    "baselines",
    "plans",
    "engine",
    "bulk",
]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: p.stem)
def test_the_domain_opens_no_file(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert "open" not in calls
    assert not {name.split(".")[0] for name in _imports(path)} & FILE_IO_MODULES


def test_scoring_modules_import_one_way() -> None:
    package = DOMAIN / "scoring"
    assert {p.stem for p in package.glob("*.py")} == {"__init__", *SCORING_ORDER}
    prefix = "corp_carbon.domain.scoring."
    for position, name in enumerate(SCORING_ORDER):
        used = {
            m.removeprefix(prefix) for m in _imports(package / f"{name}.py") if m.startswith(prefix)
        }
        assert used <= set(SCORING_ORDER[:position]), f"{name} imports {used}"
