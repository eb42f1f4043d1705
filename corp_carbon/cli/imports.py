"""``corp-carbon import``: one import run from the command line, with a progress bar."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from connectors import REGISTRY
from corp_carbon.cli.context import app_state, started_by
from corp_carbon.domain.vocabulary import ImportTrigger
from corp_carbon.services.imports.intake import fingerprint
from corp_carbon.services.imports.run import heap_frozen, run_import
from corp_carbon.services.imports.values import COUNTS, ImportRequest, RunReport


def _mapping(source: str | None, mapping_file: Path | None) -> dict[str, Any] | None:
    """The column mapping: from a TOML file, else from the configured source of that name."""
    if mapping_file is not None:
        with mapping_file.open("rb") as fh:
            data = tomllib.load(fh)
        found: dict[str, Any] = data.get("mapping", data)
        return found
    state = app_state()
    for configured in getattr(state.settings, "sources", []):
        if configured.name == source:
            return dict(configured.mapping or {})
    return None


class _Progress:
    """A tqdm bar (rows per second and ETA) on a terminal; silent otherwise."""

    def __init__(self, total: int | None) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=total,
            unit=" rows",
            unit_scale=True,
            disable=not sys.stderr.isatty(),
            file=sys.stderr,
            dynamic_ncols=True,
        )
        self.done = 0

    def __call__(self, row: int) -> None:
        if row > self.done:
            self.bar.update(row - self.done)
            self.done = row

    def close(self) -> None:
        self.bar.close()


@click.command("import")
@click.option(
    "--connector",
    required=True,
    type=click.Choice(list(REGISTRY)),
    help="Which export format the file is in.",
)
@click.option(
    "--source",
    default=None,
    help="Import source name (records are de-duplicated per source); default: the connector.",
)
@click.option(
    "--mapping",
    "mapping_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML column mapping for generic-csv (default: the configured source's mapping).",
)
@click.option("--dry-run", is_flag=True, help="Read, match and score, but store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the outcome.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(
    connector: str,
    source: str | None,
    mapping_file: Path | None,
    dry_run: bool,
    as_json: bool,
    file: Path,
) -> None:
    """Import one booking export FILE; prints the counts and every row problem.

    The exit status is 1 when the file could not be read at all (wrong format, unreadable,
    broken mid-file); rows with problems are reported, and the rest is imported.
    """
    state = app_state()
    request = ImportRequest(
        connector=connector,
        path=file,
        file_name=file.name,
        trigger=ImportTrigger.CLI,
        started_by=started_by(),
        source=source,
        dry_run=dry_run,
        mapping=_mapping(source or connector, mapping_file),
    )
    _, _, lines = fingerprint(file)
    progress = _Progress(None if connector == "travelperk" else lines)
    try:
        with heap_frozen(state.settings):
            report = run_import(state.uow(), state.settings, request, progress)
    finally:
        progress.close()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        _print(report)
    if report.failed:
        sys.exit(1)


def _print(report: RunReport) -> None:
    what = "dry run (nothing stored)" if report.run_id is None else f"run {report.run_id}"
    click.echo(f"{report.file_name}: {what}, {report.status.value} in {report.seconds:.1f} s")
    counts = ", ".join(f"{name} {report.counts[name]}" for name in COUNTS)
    click.echo(f"  {counts}")
    if report.counts["merged_manual"]:
        click.echo(f"  {report.counts['merged_manual']} manual entries merged into imported trips")
    click.echo(f"  {report.kg_co2e} kg CO2e assessed, {report.points} points credited")
    for p in report.problems:
        kind = "rejected" if p.rejected else "warning"
        value = f" (value {p.value!r})" if p.value is not None else ""
        click.echo(f"  {p.file} row {p.row}, {p.field}: {kind}: {p.reason}{value}")
    if report.error:
        click.echo(f"error: {report.error}", err=True)


@click.group("imports")
def imports() -> None:
    """Import runs: the latest, and the runs a database outage left running."""


@imports.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@with_appcontext
def imports_list(limit: int) -> None:
    """The latest import runs, newest first. Runs a database outage cut short are marked
    failed first (from the notes their process left), with where they stopped."""
    from corp_carbon.services.imports import interruptions, runs

    state = app_state()
    for closed in interruptions.sweep(state.uow(), state.settings):
        click.echo(f"run {closed.run_id} marked failed: {closed.error}")
    for run in runs.recent_runs(state.uow(), limit=limit):
        when = run.started_at.strftime("%Y-%m-%d %H:%M UTC")
        counts = ", ".join(f"{name} {run.counts[name]}" for name in COUNTS)
        click.echo(f"run {run.id} {when} {run.source}: {run.file_name}: {run.status.value}")
        click.echo(f"  {counts}")
        if run.error:
            click.echo(f"  error: {run.error.splitlines()[0]}")
