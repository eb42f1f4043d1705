"""``corp-carbon report``: the ESG workbook of a period (or its detail as CSV, or JSON)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from corp_carbon.domain.dates import parse_day
from corp_carbon.domain.errors import DomainError

SUFFIX_FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json"}


@click.command("report")
@click.option(
    "--from",
    "date_from",
    required=True,
    metavar="YYYY-MM-DD",
    help="First travel day to include, e.g. 2026-01-01.",
)
@click.option(
    "--to",
    "date_to",
    required=True,
    metavar="YYYY-MM-DD",
    help="Last travel day to include, e.g. 2026-12-31.",
)
@click.option(
    "--output",
    "-o",
    required=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: FILE.xlsx (the workbook), FILE.csv or FILE.json.",
)
@click.option(
    "--factor-set",
    "factor_sets",
    multiple=True,
    metavar="ID",
    help="Also show the same activities under this factor set (repeat for several, "
    "e.g. --factor-set desnz-2025 --factor-set epa-2025): adds the "
    "'Methodology comparison' sheet.",
)
@click.option(
    "--department",
    default=None,
    metavar="NAME",
    help="Only activities recorded under this department at the time of travel.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["xlsx", "csv", "json"]),
    default=None,
    help="xlsx: the workbook; csv: every activity, one per line; "
    "json: the workbook's tables. Default: from FILE's ending.",
)
@click.option(
    "--with-detail",
    is_flag=True,
    help="With --format json: also one object per activity (can be large).",
)
@with_appcontext
def report_command(
    date_from: str,
    date_to: str,
    output: Path,
    factor_sets: tuple[str, ...],
    department: str | None,
    output_format: str | None,
    with_detail: bool,
) -> None:
    """The ESG workbook of a period (Scope 3 categories 6 and 7), or its CSV or JSON.

    Business travel (category 6) and commuting (category 7) by mode, month, department and
    office; the methodology behind every figure; and every activity, pseudonymised. Groups of
    fewer than [privacy] min_group_size employees are merged into "Other".

    \b
    Example:
      corp-carbon report --from 2026-01-01 --to 2026-12-31 --output esg-2026.xlsx
    """
    from corp_carbon.cli.context import app_state
    from corp_carbon.services.reports.disk import DISK_ERRORS
    from corp_carbon.services.reports.gathering import ReportRequest
    from corp_carbon.services.reports.workbook import write_report

    chosen = output_format or SUFFIX_FORMATS.get(output.suffix.lower())
    if chosen is None:
        raise click.BadParameter(
            f"{output.name!r} does not end in .xlsx, .csv or .json: add one, or give "
            "--format xlsx|csv|json",
            param_hint="--output",
        )
    if with_detail and chosen != "json":
        raise click.BadParameter("only with --format json", param_hint="--with-detail")
    try:
        first = parse_day("--from", date_from)
        last = parse_day("--to", date_to)
        if first is None or last is None:
            raise DomainError("--from and --to: give both days as YYYY-MM-DD")
        request = ReportRequest(first, last, department, tuple(dict.fromkeys(factor_sets)))
        state = app_state()
        partial = output.with_name(output.name + ".part")
        with partial.open("wb") as target:
            written = write_report(
                state.report_uow(), state.settings, request, target, chosen,  # type: ignore[arg-type]
                json_detail=with_detail,
            )  # fmt: skip
        partial.replace(output)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in DISK_ERRORS:  # openpyxl also writes each sheet to a temporary file
            reason += f": check the free space there and in {tempfile.gettempdir()}"
        raise click.ClickException(f"--output {str(output)!r}: {reason}") from None
    finally:
        output.with_name(output.name + ".part").unlink(missing_ok=True)
    click.echo(f"wrote {output}")
    click.echo(f"{first} to {last}: {written.summary()}")
