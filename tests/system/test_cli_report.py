"""``corp-carbon report`` as an operator runs it, and the workbook as LibreOffice opens it.

The LibreOffice test converts the fixture's workbook to PDF and renders every page to PNG
with pdftoppm. The pages are kept as artefacts for a person to look at: in
``$CORP_CARBON_TEST_ARTEFACTS/esg-workbook/<database>/`` (default ``test-artefacts/`` in the
work tree, which git ignores).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from corp_carbon.db.session import UnitOfWork
from tests.report_fixture import seed_workbook
from tests.support import need
from tests.system.test_cli import run

ROOT = Path(__file__).resolve().parents[2]
PERIOD = ["--from", "2026-01-01", "--to", "2026-12-31"]


def _env(db_url: str) -> dict[str, str]:
    return {
        "CORP_CARBON_DATABASE_URL": db_url,
        "CORP_CARBON_APP_MODE": "development",
        "CORP_CARBON_APP_SECRET_KEY": "k",
        "CORP_CARBON_APP_COMPANY_NAME": "Fixture Ltd",
    }


def test_report_writes_the_workbook_and_says_where(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    seed_workbook(uow)
    target = tmp_path / "esg-2026.xlsx"
    result = run(["report", *PERIOD, "--output", str(target), "--factor-set", "epa-2025"],
                 _env(db_url), tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines == [
        f"wrote {target}",
        "2026-01-01 to 2026-12-31: 22 activities, 0.864 t CO2e measured (category 6: 0.848 t, "
        "category 7: 0.016 t) + 0.024 t commuting estimate; 8 sheets",
    ]
    book = load_workbook(target, read_only=True)
    assert book.sheetnames[-1] == "Methodology comparison"
    summary = [row[:2] for row in book["Summary"].iter_rows(values_only=True)]
    assert ("Organisation", "Fixture Ltd") in summary
    assert not list(tmp_path.glob("*.part"))


def test_csv_and_json_by_the_file_name(uow: UnitOfWork, db_url: str, tmp_path: Path) -> None:
    seed_workbook(uow)
    result = run(["report", *PERIOD, "-o", "detail.csv"], _env(db_url), tmp_path)
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "detail.csv").read_text(encoding="utf-8-sig").splitlines()) == 23
    result = run(["report", *PERIOD, "-o", "t.json", "--department", "Sales"], _env(db_url),
                 tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "10 activities, 0.075 t CO2e measured" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-31"],
         "--from '2026-13-01': not a date (YYYY-MM-DD)"),
        (["--from", "2026-12-31", "--to", "2026-01-01"],
         "--from 2026-12-31 is after --to 2026-01-01"),
        ([*PERIOD, "--factor-set", "nope"], "--factor-set 'nope': not a known factor set"),
        ([*PERIOD, "--department", "Legl"],
         "--department 'Legl': no activity was recorded under this department"),
    ],
)  # fmt: skip
def test_a_bad_request_exits_with_one_clear_line(
    uow: UnitOfWork, db_url: str, tmp_path: Path, arguments: list[str], message: str
) -> None:
    seed_workbook(uow)
    result = run(["report", *arguments, "--output", "r.xlsx"], _env(db_url), tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {message}"), result.stderr
    assert not (tmp_path / "r.xlsx").exists() and not (tmp_path / "r.xlsx.part").exists()


def test_an_output_without_a_known_ending_asks_for_one(db_url: str, tmp_path: Path) -> None:
    result = run(["report", *PERIOD, "--output", "report.ods"], _env(db_url), tmp_path)
    assert result.returncode == 2
    assert "does not end in .xlsx, .csv or .json" in result.stderr


def _artefacts(db_backend: str) -> Path:
    base = Path(os.environ.get("CORP_CARBON_TEST_ARTEFACTS", ROOT / "test-artefacts"))
    folder = base / "esg-workbook" / db_backend
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def test_libreoffice_prints_the_workbook(
    uow: UnitOfWork, db_url: str, db_backend: str, tmp_path: Path
) -> None:
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    need("LibreOffice", soffice is not None)
    need("pdftoppm", pdftoppm is not None, "Debian package poppler-utils")
    assert soffice is not None and pdftoppm is not None
    seed_workbook(uow)
    source = tmp_path / "esg.xlsx"
    result = run(["report", *PERIOD, "-o", str(source), "--factor-set", "desnz-2025",
                  "--factor-set", "epa-2025"], _env(db_url), tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    folder = _artefacts(db_backend)
    converted = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    pdf = folder / "esg.pdf"
    assert converted.returncode == 0 and pdf.exists(), converted.stderr
    subprocess.run([pdftoppm, "-r", "100", "-png", str(pdf), str(folder / "page")], check=True,
                   timeout=180)  # fmt: skip
    pages = sorted(folder.glob("page-*.png"))
    assert len(pages) >= 9  # one sheet at least per page
    shutil.copy(source, folder / "esg.xlsx")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout  # fmt: skip
    for expected in ("ESG report: Scope 3 business travel and employee commuting",
                     "Transport by month and mode", "Methodology comparison",
                     "Incentive programme", "Data quality: what the imports read"):  # fmt: skip
        assert expected in " ".join(text.split()), expected
    # the hostile department shows as text (cut at its column's edge), never as a link
    assert '=HYPERLINK("https://evil.ex' in text and " +cmd " in text
    # no number too wide for its column, no formula error, nothing evaluated
    assert "###" not in text and "Err:" not in text and "#NAME?" not in text
