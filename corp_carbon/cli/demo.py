"""``corp-carbon demo``: a fresh SQLite database with a year of data, served with a dev login."""

from __future__ import annotations

from pathlib import Path

import click
from werkzeug.serving import run_simple


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("instance/demo.sqlite"),
    show_default=True,
    help="SQLite file to (re)create.",
)
@click.option("--employees", "employee_count", default=200, show_default=True, type=int)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Create the database and exit.")
def demo(
    host: str, port: int, database: Path, employee_count: int, seed: int, no_serve: bool
) -> None:
    """Create a fresh SQLite demo database with a year of data; serve it with a dev login."""
    from corp_carbon.demo.setup import build_demo_database, demo_settings, describe

    database = database.resolve()
    settings = demo_settings(database)
    summary = build_demo_database(settings, seed=seed, employees=employee_count)
    click.echo(describe(summary, database))
    if no_serve:
        return
    from corp_carbon.app import create_app

    app = create_app(settings)
    if settings.scheduler.enabled_in_demo:  # CORP_CARBON_SCHEDULER_ENABLED_IN_DEMO=true
        from corp_carbon.jobs.scheduler import start_in_process

        start_in_process(settings)
        click.echo("  the scheduler runs in this process (scheduler.enabled_in_demo)")
    click.echo(
        f"\n  corp-carbon demo: http://{host}:{port}/  (pick a user on the development login)\n"
    )
    # app.run() refuses to start under the flask CLI; the server it would use is run_simple.
    run_simple(host, port, app, use_reloader=False, threaded=True)
