"""WSGI entry point for production servers: ``gunicorn corp_carbon.wsgi:app``.

A configuration problem stops the worker with one line on stderr instead of a traceback.

The objects made at start-up (modules, the app, its templates and configuration) live as long
as the worker: they are frozen once, so the cyclic garbage collector stops walking them on
every full collection. Unfrozen, a worker's full collection took about 90 ms (230,000 objects)
and came every twenty or so requests of the trips API: the p99 of the busiest pages under
load (``benchmarks/bench_web.py``). Only what exists here is frozen, once; everything a
request makes is collected as before.
"""

from __future__ import annotations

import gc
import sys

from corp_carbon.app import create_app
from corp_carbon.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"corp-carbon: configuration error: {exc}\n")
    raise SystemExit(2) from None

gc.collect()
gc.freeze()
