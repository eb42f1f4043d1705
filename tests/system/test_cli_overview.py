"""``corp-carbon overview`` as an operator new to it runs it: the help says what it does, and
``refresh`` prints each period it computed and stores figures the page then reads."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.db.models import OverviewSnapshot
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.periods import PRESETS, preset
from tests.report_fixture import seed
from tests.system.test_cli import run


def _env(db_url: str) -> dict[str, str]:
    return {
        "CORP_CARBON_DATABASE_URL": db_url,
        "CORP_CARBON_APP_MODE": "development",
        "CORP_CARBON_APP_SECRET_KEY": "k",
    }


def test_the_help_names_the_command_and_what_it_refreshes(db_url: str, tmp_path: Path) -> None:
    listing = run(["--help"], _env(db_url), tmp_path)
    assert re.search(r"overview\s+The company overview's figures \(/admin\)", listing.stdout)
    group = run(["overview", "--help"], _env(db_url), tmp_path)
    assert group.returncode == 0, group.stderr
    assert "refresh" in group.stdout and "overview_refresh_minutes" in group.stdout
    command = run(["overview", "refresh", "--help"], _env(db_url), tmp_path)
    assert command.returncode == 0, command.stderr
    for words in ("--from DATE", "--to DATE", "this month, last 12 months, this year"):
        assert words in " ".join(command.stdout.split()), words


def test_refresh_computes_the_presets_and_says_so(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    seed(uow)
    result = run(["overview", "refresh"], _env(db_url), tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    today = datetime.now(UTC).date()
    assert len(lines) == len(PRESETS) + 1
    for name, line in zip(PRESETS, lines, strict=False):
        period = preset(name, today)
        assert re.fullmatch(
            rf"{name}\s+{period.first} to {period.last}\s+[\d,]+ activities\s+\d+\.\d s", line
        ), line
    this_year = lines[PRESETS.index("this-year")]
    assert " 15 activities" in this_year  # the fixture's March 2026
    assert lines[-1] == "The overview (/admin) shows these figures now."
    with uow:
        stored = uow.session.execute(
            sa.select(OverviewSnapshot.period_first, OverviewSnapshot.period_last)
        ).all()
    # in December "last 12 months" and "this year" are one period, stored once
    wanted = {(p.first, p.last) for p in (preset(name, today) for name in PRESETS)}
    assert {(first, last) for first, last in stored} == wanted and len(stored) == len(wanted)


def test_refresh_of_one_period_and_a_bad_one(uow: UnitOfWork, db_url: str, tmp_path: Path) -> None:
    seed(uow)
    one = run(["overview", "refresh", "--from", "2026-03-01", "--to", "2026-03-31"],
              _env(db_url), tmp_path)  # fmt: skip
    assert one.returncode == 0, one.stderr
    assert re.match(r"period\s+2026-03-01 to 2026-03-31\s+15 activities", one.stdout)
    bad = run(["overview", "refresh", "--from", "2026-03-31", "--to", "2026-03-01"],
              _env(db_url), tmp_path)  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "to 2026-03-01: before from 2026-03-31" in bad.stderr


def test_refresh_leaves_a_period_another_process_computes_and_says_so(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    seed(uow)
    today = datetime.now(UTC).date()
    month = preset("this-month", today)
    started = datetime.now(UTC).replace(microsecond=0)
    with uow:  # what a web worker computing this month leaves on its row
        uow.session.add(
            OverviewSnapshot(period_first=month.first, period_last=month.last,
                             preset="this-month", requested_at=started, started_at=started)
        )  # fmt: skip
        uow.commit()
    result = run(["overview", "refresh"], _env(db_url), tmp_path)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first == (
        f"this-month      {month.first} to {month.last}  being computed by another process "
        f"since {started:%Y-%m-%d %H:%M} UTC: left to it"
    )
    assert "last-year" in result.stdout and "Traceback" not in result.stderr
