"""Golden files: a connector's records and problems for a sample, as stable JSON.

Each ``golden/<connector>/<name>.<ext>`` sits next to ``<name>.expected.json``. To accept a
deliberate change, run ``CORP_CARBON_UPDATE_GOLDEN=1 pytest tests/connectors`` and review the
diff of the JSON files like any other change.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from connectors import ConnectorOptions, get_connector

GOLDEN = Path(__file__).parent / "golden"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"type": type(value).__name__}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None or item == () or item == "":
                continue
            out[f.name] = _plain(item)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def extract_plain(connector: str, path: Path, options: ConnectorOptions | None = None) -> list[Any]:
    return [_plain(r) for r in get_connector(connector, options).extract(path)]


def dump(records: list[Any]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
