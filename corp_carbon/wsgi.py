"""WSGI entry point for production servers: ``gunicorn corp_carbon.wsgi:app``.

A configuration problem stops the worker with one line on stderr instead of a traceback.
"""

from __future__ import annotations

import sys

from corp_carbon.app import create_app
from corp_carbon.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"corp-carbon: configuration error: {exc}\n")
    raise SystemExit(2) from None
