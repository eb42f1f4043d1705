"""The web layer stays thin: services own every transaction, and no view reaches the ORM."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "corp_carbon" / "web"
MODULES = sorted(WEB.rglob("*.py"))
#: what a web module may not import: the ORM rows and SQLAlchemy itself.
FORBIDDEN = ("corp_carbon.db.models", "sqlalchemy")


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(WEB)))
def test_no_web_module_commits(path: Path) -> None:
    assert ".commit(" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(WEB)))
def test_no_web_module_imports_the_orm(path: Path) -> None:
    imported = _imported(ast.parse(path.read_text(encoding="utf-8")))
    reached = sorted(
        name
        for name in imported
        for banned in FORBIDDEN
        if name == banned or name.startswith(f"{banned}.")
    )
    assert reached == []
