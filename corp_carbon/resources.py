"""Where templates, migrations and static files are, in a source checkout and in a wheel.

The wheel copies the top-level ``templates/`` and ``migrations/`` into the package; a source
checkout (or editable install) keeps them beside it.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"corp-carbon cannot find its {name}/ folder next to {PACKAGE_DIR}")


def templates_dir() -> Path:
    return _locate("templates")


def migrations_dir() -> Path:
    return _locate("migrations")


def static_dir() -> Path:
    return PACKAGE_DIR / "static"


def translations_dir() -> Path:
    """The message catalogues (``<locale>/LC_MESSAGES/corp_carbon.po`` and ``.mo``)."""
    return PACKAGE_DIR / "translations"
