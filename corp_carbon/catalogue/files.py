"""Reading one published data file: its bytes pinned by SHA-256, its TOML parsed into a value.

The domain parses mappings into values (``parse_factor_set``, ``parse_spend_set``,
``parse_rate_card``) and never opens a file; this is the one place that does. A malformed file
is a packaging or configuration error, raised with the file's path, never a user error.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable
from decimal import InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from corp_carbon.domain.factors import FactorSet, parse_factor_set
from corp_carbon.domain.scoring.points import RateCard, parse_rate_card
from corp_carbon.domain.scoring.policy import PointsPolicy, PolicyError, parse_policy
from corp_carbon.domain.spend import SpendFactorSet, parse_spend_set

T = TypeVar("T")


class FactorSetFileError(Exception):
    """A shipped or added factor-set or rate-card file is malformed."""


class SpendDataError(Exception):
    """A spend factor set or currency-rate file is malformed."""


def load_data_file(
    path: Path, parse: Callable[[dict[str, Any], str], T], error: type[Exception]
) -> T:
    """``parse(data, sha256)`` of the TOML file at ``path``; ``error`` names the path."""
    raw = path.read_bytes()
    try:
        return parse(tomllib.loads(raw.decode("utf-8")), hashlib.sha256(raw).hexdigest())
    except (KeyError, TypeError, ValueError, InvalidOperation, tomllib.TOMLDecodeError) as exc:
        raise error(f"{path}: {exc!r}") from exc


def load_factor_set(path: Path) -> FactorSet:
    """One factor-set file; the returned set and its mappings are read-only."""
    return load_data_file(path, parse_factor_set, FactorSetFileError)


def load_rate_card(path: Path) -> RateCard:
    return load_data_file(path, lambda data, _sha256: parse_rate_card(data), FactorSetFileError)


def load_points_policy(path: Path) -> PointsPolicy:
    """One points-policy file; an unknown behaviour or unit names the file and the entry."""

    def parse(data: dict[str, Any], _sha256: str) -> PointsPolicy:
        try:
            return parse_policy(data, str(path))
        except PolicyError as exc:
            raise FactorSetFileError(exc.message) from exc

    return load_data_file(path, parse, FactorSetFileError)


def load_spend_set(path: Path) -> SpendFactorSet:
    """One spend factor-set file (numbers are TOML strings: no float touches them)."""
    return load_data_file(path, parse_spend_set, SpendDataError)
