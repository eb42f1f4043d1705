"""A disk that cannot take a report: the errors that mean it, reported as one kind."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager

#: the errors of a disk that cannot take the file: full, over quota, or over the process's
#: file-size limit.
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


@contextmanager
def disk_errors() -> Iterator[None]:
    """Raises a failed write as the OSError it is: openpyxl writes the workbook's sheets
    through lxml, which reports a full disk as ``SerialisationError('IO_ENOSPC')``."""
    try:
        yield
    except Exception as exc:
        name = str(exc).removeprefix("IO_") if type(exc).__name__ == "SerialisationError" else ""
        number = getattr(errno, name, None) if name.isupper() else None
        if not isinstance(number, int):
            raise
        raise OSError(number, os.strerror(number)) from exc
