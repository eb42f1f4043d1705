"""Every other way an address enters, on the shared table of good and bad addresses
(tests/email_cases.py): ``corp-carbon employees add``, SSO sign-in (just-in-time provisioning
and linking an HR record), imports (matching, bookings waiting for an employee) and the
look-ups by "email or employee number" behind tokens and adjustments."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from corp_carbon.cli.employees import employees
from corp_carbon.config import Settings, SsoClaimsSection
from corp_carbon.db.models import Activity, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.identity import identity_from_claims
from corp_carbon.domain.vocabulary import ImportTrigger, Role
from corp_carbon.services.imports.pending import replay_pending
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest
from corp_carbon.services.people.employees import add_employee
from corp_carbon.services.people.sso_login import sign_in
from corp_carbon.services.people.tokens import create_token
from tests.email_cases import BAD, GOOD, SPELLINGS
from tests.support import OPERATOR

NAVAN = Path(__file__).resolve().parents[1] / "connectors" / "golden" / "navan"
EMAIL_FIELD = "passengers.person.email"


def _stored(uow: UnitOfWork) -> list[str]:
    with uow:
        return list(uow.session.scalars(sa.select(Employee.email).order_by(Employee.id)))


def test_cli_employees_add_takes_every_good_address_and_refuses_every_bad(
    app: Flask, uow: UnitOfWork
) -> None:
    runner = app.test_cli_runner()
    for raw, stored in GOOD:
        result = runner.invoke(employees, ["add", "--email", raw, "--name", "Kim Lee"])
        assert result.exit_code == 0, (raw, result.output)
        assert f"<{stored}>" in result.output
    for raw, reason in BAD:
        result = runner.invoke(employees, ["add", "--email", raw, "--name", "Kim Lee"])
        assert result.exit_code == 1, (raw, result.output)
        assert "is not an email address" in result.output and reason in result.output
    for raw, _ in SPELLINGS:
        result = runner.invoke(employees, ["add", "--email", raw, "--name", "Kim Lee"])
        assert "an employee with this email already exists" in result.output, raw
    assert _stored(uow) == [stored for _, stored in GOOD]


def test_the_installed_command_refuses_markup_in_an_address(db_url: str, tmp_path: Path) -> None:
    """Issue 15's probe, as an operator types it."""
    command = str(Path(sys.executable).with_name("corp-carbon"))
    env = {
        "CORP_CARBON_APP_SECRET_KEY": "k",
        "CORP_CARBON_PRIVACY_PSEUDONYM_SECRET": "p",
        "CORP_CARBON_DATABASE_URL": db_url,
        "PATH": "",
    }
    args = [command, "employees", "add", "--name", "X", "--email"]
    refused = subprocess.run(
        [*args, '"><svg/onload=alert(7)>@example.com'], env=env, capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "is not an email address" in refused.stderr and "Traceback" not in refused.stderr
    taken = subprocess.run([*args, "kim@example.test"], env=env, capture_output=True, text=True)
    assert taken.returncode == 0, taken.stderr
    assert "<kim@example.test>" in taken.stdout


def _sign_in(uow: UnitOfWork, settings: Settings, subject: str, email: str) -> Any:
    claims = {"sub": subject, "email": email, "name": "Kim Lee"}
    return sign_in(uow, settings, identity_from_claims(claims, SsoClaimsSection()), None)


def test_sso_provisions_every_good_address_in_one_spelling(
    uow: UnitOfWork, settings: Settings
) -> None:
    for number, (raw, stored) in enumerate(GOOD):
        outcome = _sign_in(uow, settings, f"subject-{number}", raw)
        assert outcome.provisioned and outcome.profile.email == stored, raw
        again = _sign_in(uow, settings, f"subject-{number}", stored.upper())
        assert not again.provisioned and again.profile.id == outcome.profile.id
    assert _stored(uow) == [stored for _, stored in GOOD]


def test_sso_links_the_record_hr_made_whatever_the_spelling(
    uow: UnitOfWork, settings: Settings
) -> None:
    for number, (raw, stored) in enumerate(SPELLINGS):
        if stored in _stored(uow):
            continue
        made = add_employee(uow, OPERATOR, email=stored, name="Kim Lee")
        outcome = _sign_in(uow, settings, f"idp-{number}", raw)
        assert (outcome.provisioned, outcome.linked_by) == (False, "email"), raw
        assert outcome.profile.id == made.id


def _navan_file(path: Path, emails: list[str]) -> Path:
    """The Navan golden sample's first booking, once per address, with no employee number."""
    with (NAVAN / "navan_bookings_export.csv").open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        template = next(reader)
        header = list(reader.fieldnames or [])
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, header)
        writer.writeheader()
        for number, email in enumerate(emails):
            writer.writerow(
                {
                    **template,
                    "uuid": f"email-case-{number}",
                    "bookingId": f"NVN-{number}",
                    "passengers.person.employeedId": "",
                    EMAIL_FIELD: email,
                }
            )
    return path


def _import(uow: UnitOfWork, settings: Settings, path: Path) -> Any:
    request = ImportRequest("navan", path, path.name, ImportTrigger.CLI, "test")
    return run_import(uow, settings, request)


def _owners(uow: UnitOfWork) -> dict[str, int]:
    """Who each imported booking (by its uuid) was counted for."""
    with uow:
        rows = uow.session.execute(sa.select(Activity.source_record_key, Activity.employee_id))
        return {str(key).split("#")[0]: owner for key, owner in rows}


def test_imports_match_every_good_address_and_refuse_every_bad_row(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    ids = {
        stored: add_employee(uow, OPERATOR, email=stored, name="Kim Lee").id for _, stored in GOOD
    }
    # a NUL byte fails the whole run on PostgreSQL wherever it is (issue 15, fixed apart)
    bad = [(raw, reason) for raw, reason in BAD if "\x00" not in raw]
    rows = [raw for raw, _ in GOOD] + [raw for raw, _ in bad]
    report = _import(uow, settings, _navan_file(tmp_path / "navan.csv", rows))
    assert not report.failed, report.error
    owners = _owners(uow)
    for number, (raw, stored) in enumerate(GOOD):
        assert owners.get(f"email-case-{number}") == ids[stored], raw
    problems = {p.row: p for p in report.problems if p.field == EMAIL_FIELD}
    for offset, (raw, reason) in enumerate(bad):
        problem = problems[len(GOOD) + offset + 2]  # row numbers count the header as row 1
        assert problem.rejected and reason in problem.reason, (raw, problem)
    assert report.counts["waiting"] == 0


def test_a_booking_waiting_for_an_employee_is_matched_in_any_spelling(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    raws = [raw for raw, _ in SPELLINGS]
    report = _import(uow, settings, _navan_file(tmp_path / "early.csv", raws))
    assert report.counts["waiting"] > 0 and not _owners(uow)
    ids = {}
    for _, stored in SPELLINGS:
        if stored not in ids:
            ids[stored] = add_employee(uow, OPERATOR, email=stored, name="Kim Lee").id
    assert replay_pending(uow, settings) == len(raws)
    owners = _owners(uow)
    for number, (raw, stored) in enumerate(SPELLINGS):
        assert owners.get(f"email-case-{number}") == ids[stored], raw


def test_tokens_and_adjustments_find_the_employee_by_any_spelling(uow: UnitOfWork) -> None:
    for number, (raw, stored) in enumerate(SPELLINGS):
        if stored not in _stored(uow):
            add_employee(uow, OPERATOR, email=stored, name="Kim Lee", roles=("admin",))
        _, info = create_token(uow, OPERATOR, employee=raw, role=Role.ADMIN, name=f"t{number}")
        assert info.employee_email == stored
