"""WSGI entry point for production servers: ``gunicorn corp_carbon.wsgi:app``.

A configuration problem stops the worker with one line on stderr instead of a traceback.

The objects made at start-up live as long as the worker: they are frozen once
(``runtime.freeze_start_up_heap``), as ``corp-carbon serve`` does in each worker.
"""

from __future__ import annotations

import sys

from corp_carbon.app import create_app
from corp_carbon.config import ConfigError
from corp_carbon.runtime import freeze_start_up_heap

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"corp-carbon: configuration error: {exc}\n")
    raise SystemExit(2) from None

freeze_start_up_heap()
