"""Connector records as JSON and back, for bookings that wait for their employee.

The payload mirrors the dataclasses field by field (enums as values, dates as ISO text,
decimals as strings), so a replayed booking is exactly the one that was read.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from types import UnionType
from typing import Any

from corp_carbon.domain.bookings import BookingRecord


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def to_payload(record: BookingRecord) -> dict[str, Any]:
    payload: dict[str, Any] = _plain(record)
    return payload


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return _build(options[0], value)
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_build(item, v) for v in value)
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints = _hints(kind)
        return kind(**{k: _build(hints[k], v) for k, v in value.items() if k in hints})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    return value


def from_payload(payload: dict[str, Any]) -> BookingRecord:
    record: BookingRecord = _build(BookingRecord, payload)
    return record
