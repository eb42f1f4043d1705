"""What ``bench_web.py``'s gunicorn serves: the production WSGI app (``corp_carbon.wsgi``),
configured by ``CORP_CARBON_CONFIG`` as in production, plus the page benchmark's floor
(``bench_pages.floor_view``: one employee row by primary key, one tiny template), so the
floor runs in the same workers, behind the same server, in the same run."""

from __future__ import annotations

from benchmarks.bench_pages import FLOOR, floor_view
from corp_carbon.wsgi import app

app.add_url_rule(FLOOR, view_func=floor_view, endpoint="bench_floor")

__all__ = ["app"]
