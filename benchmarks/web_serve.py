"""What ``bench_web.py`` runs: ``corp-carbon serve`` itself (its checks, gunicorn options from
``[server]``, JSON access log, each worker's frozen start-up heap), with the page benchmark's
floor route (``bench_pages.floor_view``) added to each worker's app, so the floor runs in the
same workers, behind the same server, in the same run.

    python -m benchmarks.web_serve --bind 127.0.0.1:8000 --workers 5   # serve's own options
"""

from __future__ import annotations

from flask import Flask

from benchmarks.bench_pages import FLOOR, floor_view
from corp_carbon.cli import gunicorn_server
from corp_carbon.cli.serve import serve_command


class ServerWithFloor(gunicorn_server.CarbonServer):
    """serve's gunicorn application; each worker's app also answers the floor route."""

    def load(self) -> Flask:
        app = super().load()
        app.add_url_rule(FLOOR, view_func=floor_view, endpoint="bench_floor")
        return app


if __name__ == "__main__":
    # serve_command builds gunicorn_server.CarbonServer: the benchmark's subclass instead
    gunicorn_server.CarbonServer = ServerWithFloor  # type: ignore[misc]
    serve_command(prog_name="corp-carbon serve")
