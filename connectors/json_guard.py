"""A byte stream for ijson that refuses JSON no travel export ever holds, before ijson sees it.

Two shapes of a few kilobytes take a parser down: a number of thousands of digits (ijson's C
backend crashes the process on one over Python's 4,300-digit limit, and big decimals cost
quadratic time to convert) and arrays nested thousands deep (the C backend's item builder
grows to gigabytes at 30,000 levels). The guard scans each chunk as it passes, outside
strings only, with C-level regular expressions, so it adds little to a large file's read
time and stops the file at the first offending byte with a message naming it.
"""

from __future__ import annotations

import re
from typing import Protocol

#: what matters outside a string: a quote, a bracket, or a run of digits.
_OUTSIDE = re.compile(rb'["\[\]{}]|[0-9]+')
#: what matters inside a string: its closing quote, or an escape (which hides the next byte).
_INSIDE = re.compile(rb'["\\]')
_DIGITS = frozenset(b"0123456789")


class JsonBeyondLimits(ValueError):
    """Nesting or a number beyond the guard's limits; the message names the byte offset."""


class _ByteReader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class GuardedJsonBytes:
    """Wraps a byte reader; ``read`` raises ``JsonBeyondLimits`` once the stream nests deeper than
    ``max_depth`` or holds a number of more than ``max_digits`` digits (outside strings)."""

    def __init__(self, raw: _ByteReader, max_depth: int = 64, max_digits: int = 100) -> None:
        self._raw = raw
        self.max_depth = max_depth
        self.max_digits = max_digits
        self._offset = 0  # bytes scanned before the current chunk
        self._depth = 0
        self._in_string = False
        self._escaped = False  # the previous chunk ended on a backslash inside a string
        self._digit_run = 0  # length of a digit run that reached the previous chunk's end
        self._run_start = 0  # where that run began

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._raw.read(size)
        if chunk:
            self._scan(chunk)
            self._offset += len(chunk)
        return chunk

    def _scan(self, chunk: bytes) -> None:
        if chunk[0] not in _DIGITS:
            self._digit_run = 0
        pos, end = 0, len(chunk)
        while pos < end:
            if self._in_string:
                pos = self._scan_string(chunk, pos)
                continue
            found = _OUTSIDE.search(chunk, pos)
            if found is None:
                self._digit_run = 0
                return
            token, pos = found.group(), found.end()
            if token == b'"':
                self._in_string = True
            elif token in (b"[", b"{"):
                self._depth += 1
                if self._depth > self.max_depth:
                    raise JsonBeyondLimits(
                        f"nested more than {self.max_depth} levels deep at byte "
                        f"{self._offset + found.start():,}; a travel export never is"
                    )
            elif token in (b"]", b"}"):
                self._depth -= 1
            else:
                self._count_digits(token, found.start(), end)

    def _scan_string(self, chunk: bytes, pos: int) -> int:
        if self._escaped:
            self._escaped = False
            return pos + 1
        found = _INSIDE.search(chunk, pos)
        if found is None:
            return len(chunk)
        if found.group() == b"\\":
            if found.end() == len(chunk):
                self._escaped = True
            return found.end() + 1
        self._in_string = False
        return found.end()

    def _count_digits(self, run: bytes, start: int, end: int) -> None:
        continued = start == 0 and self._digit_run > 0
        length = len(run) + (self._digit_run if continued else 0)
        if not continued:
            self._run_start = self._offset + start
        self._digit_run = length if start + len(run) == end else 0
        if length > self.max_digits:
            raise JsonBeyondLimits(
                f"a number of more than {self.max_digits} digits at byte "
                f"{self._run_start:,}; no field of a travel export needs one"
            )
