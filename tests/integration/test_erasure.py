"""Erasing one person: what goes and what stays, once only, all or nothing, and what a later
sign-in, the scheduler and the command line do (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from corp_carbon.cli.employees import employees
from corp_carbon.db.models import (
    AdjustmentRequest,
    ApiToken,
    AuditEvent,
    CommuteEvidence,
    Employee,
    ErasureRedaction,
    ErasureRequest,
    LedgerTransaction,
    Redemption,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.commute_log import CommuteRequest
from corp_carbon.domain.identity import Identity
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.redaction import erased_email
from corp_carbon.domain.reporting import pseudonym
from corp_carbon.domain.vocabulary import Mode, Role
from corp_carbon.services.commutes import entries
from corp_carbon.services.commutes.evidence import sweep_unused_photos
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger.adjustment_requests import request_adjustment
from corp_carbon.services.ledger.postings import balance
from corp_carbon.services.people import erase, erasures, sso_login
from corp_carbon.services.people.tokens import create_token
from corp_carbon.services.rewards.catalogue import add_reward
from corp_carbon.services.rewards.redemptions import fulfil, request_redemption
from corp_carbon.web.state import CarbonState
from tests.erasure_fixture import text_hits
from tests.support import OPERATOR

HR = Actor(label="hana.hr@example.com")
ZOE = ("zoe.mueller@example.com", "Zoë Müller", "E1001")


def _photo(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 120, 90)).save(out, format="JPEG")
    return out.getvalue()


def _identity(email: str = ZOE[0], name: str = ZOE[1], number: str | None = ZOE[2]) -> Identity:
    return Identity(
        subject="idp|zoe", email=email, email_verified=True, name=name, employee_number=number,
        department="Finance", cost_centre=None, office="Berlin", groups=(), groups_sent=False,
    )  # fmt: skip


@pytest.fixture
def hana(create_employee: Callable[..., EmployeeProfile]) -> Actor:
    profile = create_employee(email="hana.hr@example.com", name="Hana Hr", roles=("hr",))
    return Actor(label=profile.email, employee_id=profile.id, ip="192.0.2.1")


@pytest.fixture
def zoe(state: CarbonState, create_employee: Callable[..., EmployeeProfile], hana: Actor) -> int:
    """Zoë, who signed in, logged a commute with a photo, holds a token, got points with a
    memo naming her, redeemed a reward handed over with a note, and asked to be erased."""
    uow, settings = state.uow(), state.settings
    person = create_employee(
        email=ZOE[0], name=ZOE[1], employee_number=ZOE[2], department="Finance", office="Berlin"
    )
    sso_login.sign_in(uow, settings, _identity(), ip="198.51.100.7")
    day = entries.today() - timedelta(days=1)
    entries.log_commutes(
        uow, settings, Actor(label=ZOE[0], employee_id=person.id), employee_id=person.id,
        request=CommuteRequest((day,), Mode.BIKE, Decimal("7.5"), 2), request_key="zoe-1",
        today=entries.today(), photo=_photo(10),
    )  # fmt: skip
    create_token(uow, OPERATOR, employee=ZOE[0], role=Role.EMPLOYEE, name="Zoë Müller's laptop")
    adjustments.adjust(
        uow, hana, employee=ZOE[0], points=900, reason="Thanks, Zoë, for the bike week",
        request_key=ZOE[0],
    )  # fmt: skip
    reward = add_reward(uow, OPERATOR, name="Rail voucher", cost_points=500, auto_approve=True)
    held = request_redemption(
        uow, hana, employee_id=person.id, reward_id=reward.id, request_key="r1"
    )
    fulfil(uow, hana, held.redemption.id, note="Handed to Zoë at the Berlin desk")
    erasures.request_erasure(uow, settings, hana, person.id, reason="Zoë Müller asked by email")
    return person.id


def _open_request(uow: UnitOfWork, employee_id: int) -> ErasureRequest | None:
    with uow:
        found = uow.session.scalar(
            sa.select(ErasureRequest).where(
                ErasureRequest.employee_id == employee_id, ErasureRequest.closed_at.is_(None)
            )
        )
        uow.session.expunge_all()
    return found


def _row(uow: UnitOfWork, employee_id: int) -> Employee:
    with uow:
        found = uow.session.get(Employee, employee_id)
        assert found is not None
        uow.session.expunge_all()
    return found


def _count(uow: UnitOfWork, model: Any, *where: Any) -> int:
    with uow:
        return int(
            uow.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0
        )


def _photos(state: CarbonState) -> list[Path]:
    folder = state.settings.commute_evidence_dir
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_an_erasure_removes_the_person_and_keeps_their_figures(
    state: CarbonState, zoe: int, hana: Actor
) -> None:
    uow, settings = state.uow(), state.settings
    points = balance_of(uow, zoe)
    assert points > 400  # 900 given, 500 redeemed, the commute's points
    assert len(_photos(state)) == 1
    request = _open_request(uow, zoe)
    assert request is not None

    done = erase.confirm_and_erase(uow, settings, hana, zoe, request.id)

    key = pseudonym(settings.pseudonym_secret, _row(uow, zoe).public_id)
    assert done.name == f"Erased employee {key}" and done.counts["trips_kept"] == 2
    row = _row(uow, zoe)
    assert (row.name, row.email, row.employee_number, row.sso_subject) == (
        f"Erased employee {key}", erased_email(key), None, None,
    )  # fmt: skip
    assert not row.active and row.erased_at is not None and row.deactivated_at is not None
    assert (row.department, row.office) == ("Finance", "Berlin")  # figures by department stay
    assert balance_of(uow, zoe) == points  # the ledger is untouched
    assert _photos(state) == []  # the file went with the row
    assert _count(uow, ApiToken, ApiToken.employee_id == zoe) == 0
    with uow:
        redemption = uow.session.scalars(sa.select(Redemption)).one()
        assert (redemption.status.value, redemption.note) == ("fulfilled", None)
        memo = uow.session.scalar(
            sa.select(LedgerTransaction.memo).where(
                LedgerTransaction.idempotency_key == f"adjust:{erased_email(key)}"
            )
        )
        assert memo == f"Thanks, Erased employee {key}, for the bike week"
        closed = uow.session.get(ErasureRequest, request.id)
        assert closed is not None and closed.outcome is not None
        assert closed.reason == f"Erased employee {key} asked by email"
        assert closed.confirmed_by_label == hana.label
        entry = uow.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "employee.erase")
        ).one()
        assert (entry.actor_label, entry.target_id) == (hana.label, str(zoe))
        assert entry.detail["request_id"] == request.id and entry.detail["trigger"] == "confirmed"
        by_zoe = uow.session.scalars(sa.select(AuditEvent).where(AuditEvent.actor_id == zoe)).all()
        assert by_zoe and all(e.ip is None and e.actor_label == erased_email(key) for e in by_zoe)
    assert text_hits(state.engine, [ZOE[0], ZOE[1], "Zoë"], [ZOE[2], "idp|zoe"]) == []


def balance_of(uow: UnitOfWork, employee_id: int) -> int:
    with uow:
        return balance(uow.session, employee_id)


def test_erasing_twice_changes_nothing_the_second_time(
    state: CarbonState, zoe: int, hana: Actor
) -> None:
    uow, settings = state.uow(), state.settings
    first = erase.erase_employee(uow, settings, HR, zoe, trigger="operator")
    entries_after = _count(uow, AuditEvent)
    again = erase.erase_employee(uow, settings, HR, zoe, trigger="operator")
    assert again.already and again.name == first.name and again.erased_at == first.erased_at
    assert _count(uow, AuditEvent) == entries_after
    assert _count(uow, ErasureRequest, ErasureRequest.employee_id == zoe) == 1
    with pytest.raises(erase.NotFound):  # no longer found by the email they had
        erase.find_by_email(uow, ZOE[0])


def test_a_failure_mid_way_leaves_everything_as_it_was(
    state: CarbonState, zoe: int, hana: Actor
) -> None:
    """The employee row changes last: a clash there rolls every earlier step back."""
    uow, settings = state.uow(), state.settings
    key = pseudonym(settings.pseudonym_secret, _row(uow, zoe).public_id)
    with uow:  # another row already holds the address the erased row would take
        uow.session.add(Employee(email=erased_email(key), name="Squatter"))
        uow.commit()
    before = {table: _count(uow, model) for table, model in _TABLES.items()}
    request = _open_request(uow, zoe)
    assert request is not None

    with pytest.raises(erase.ErasureDeferred, match="will try again"):
        erase.confirm_and_erase(uow, settings, hana, zoe, request.id)

    row = _row(uow, zoe)
    assert (row.name, row.email, row.erased_at, row.active) == (ZOE[1], ZOE[0], None, True)
    before["audit"] += 1  # HR's confirmation, recorded before the erasure began
    assert {table: _count(uow, model) for table, model in _TABLES.items()} == before
    with uow:
        last = uow.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and last.action == "employee.erasure_confirm"
    assert len(_photos(state)) == 1
    waiting = _open_request(uow, zoe)
    assert waiting is not None and waiting.confirmed_at is not None  # HR's decision is kept
    assert text_hits(state.engine, [ZOE[1]]) != []  # nothing was scrubbed
    with uow:
        uow.session.execute(sa.delete(Employee).where(Employee.name == "Squatter"))
        uow.commit()
    # the scheduler erases the confirmed request at its next run
    done = erase.erase_due(uow, settings)
    assert [d.employee_id for d in done.erased] == [zoe] and done.failed == []
    assert _row(uow, zoe).erased_at is not None


_TABLES: dict[str, Any] = {
    "tokens": ApiToken,
    "photos": CommuteEvidence,
    "redactions": ErasureRedaction,
    "audit": AuditEvent,
}


def test_signing_in_again_after_erasure_starts_a_new_empty_account(
    state: CarbonState, zoe: int
) -> None:
    uow, settings = state.uow(), state.settings
    erase.erase_employee(uow, settings, HR, zoe, trigger="operator")
    erased = _row(uow, zoe)

    again = sso_login.sign_in(uow, settings, _identity(), ip="198.51.100.8")

    assert again.provisioned and again.profile.id != zoe
    assert balance_of(uow, again.profile.id) == 0
    assert _count(uow, CommuteEvidence, CommuteEvidence.employee_id == again.profile.id) == 0
    row = _row(uow, zoe)
    assert (row.name, row.email, row.sso_subject) == (erased.name, erased.email, None)


def test_the_scheduler_erases_what_is_due_or_confirmed_and_nothing_else(
    state: CarbonState, create_employee: Callable[..., EmployeeProfile], hana: Actor
) -> None:
    uow, settings = state.uow(), state.settings
    due, confirmed, waiting = (
        create_employee(email=f"{n}@example.com", name=n.title()).id
        for n in ("due", "confirmed", "waiting")
    )
    for person in (due, confirmed, waiting):
        erasures.request_erasure(uow, settings, hana, person, reason="asked")
    with uow:
        uow.session.execute(
            sa.update(ErasureRequest)
            .where(ErasureRequest.employee_id == due)
            .values(due_at=utcnow() - timedelta(minutes=1))
        )
        uow.session.execute(
            sa.update(ErasureRequest)
            .where(ErasureRequest.employee_id == confirmed)
            .values(confirmed_at=utcnow(), confirmed_by_label=hana.label)
        )
        uow.commit()
    run = erase.erase_due(uow, settings)
    assert sorted(d.employee_id for d in run.erased) == sorted([due, confirmed])
    assert _row(uow, waiting).erased_at is None and _open_request(uow, waiting) is not None
    with uow:
        triggers = dict(
            uow.session.execute(
                sa.select(AuditEvent.target_id, AuditEvent.detail["trigger"].as_string()).where(
                    AuditEvent.action == "employee.erase"
                )
            ).all()
        )
    assert triggers == {str(due): "due", str(confirmed): "confirmed"}


def test_nobody_erases_their_own_data(state: CarbonState, zoe: int) -> None:
    uow, settings = state.uow(), state.settings
    request = _open_request(uow, zoe)
    assert request is not None
    own = Actor(label=ZOE[0], employee_id=zoe)
    with pytest.raises(erase.Conflict, match="Nobody erases their own data"):
        erase.confirm_and_erase(uow, settings, own, zoe, request.id)
    assert _row(uow, zoe).erased_at is None


def test_a_photo_another_employee_also_sent_stays_and_orphans_are_swept(
    state: CarbonState, zoe: int, create_employee: Callable[..., EmployeeProfile]
) -> None:
    uow, settings = state.uow(), state.settings
    ben = create_employee(email="ben@example.com", name="Ben").id
    day = entries.today() - timedelta(days=1)
    entries.log_commutes(
        uow, settings, OPERATOR, employee_id=ben,
        request=CommuteRequest((day,), Mode.BIKE, Decimal("3"), 1), request_key="ben-1",
        today=entries.today(), photo=_photo(10),
    )  # fmt: skip
    shared = _photos(state)
    assert len(shared) == 1  # the same picture twice is one file
    erase.erase_employee(uow, settings, HR, zoe, trigger="operator")
    assert _photos(state) == shared  # Ben's trip still shows it

    orphan = settings.commute_evidence_dir / ("f" * 32 + ".jpg")
    orphan.write_bytes(_photo(200))
    assert sweep_unused_photos(uow, settings) == 0  # too young: an upload may be on its way
    old = time.time() - 2 * 86400
    os.utime(orphan, (old, old))
    assert sweep_unused_photos(uow, settings) == 1
    assert _photos(state) == shared


def test_the_append_only_tables_change_only_through_a_recorded_redaction(
    state: CarbonState, zoe: int
) -> None:
    uow = state.uow()
    with uow:
        event = uow.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).first()
        assert event is not None
        event_id = event.id
    table = AuditEvent.__table__

    def update(**values: object) -> None:
        with uow:
            uow.session.execute(table.update().where(table.c.id == event_id).values(**values))
            uow.commit()

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        update(detail={"rewritten": True})
    request = _open_request(uow, zoe)
    assert request is not None
    with uow:
        uow.session.add(
            ErasureRedaction(request_id=request.id, table_name="audit_log", row_id=event_id)
        )
        uow.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        update(action="employee.rewritten")  # not a free-text column
    update(detail={"redacted": True})  # the text may change now
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), uow:
        uow.session.execute(table.delete().where(table.c.id == event_id))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), uow:
        redactions = ErasureRedaction.__table__
        uow.session.execute(redactions.delete())


# --- the command line ---------------------------------------------------------------------------


def test_the_command_explains_and_refuses_without_yes(
    app: Flask, state: CarbonState, zoe: int
) -> None:
    runner = app.test_cli_runner()
    asked = runner.invoke(employees, ["erase", "--email", "ZOE.MUELLER@example.com"])
    assert asked.exit_code == 1
    assert "Erasing removes Zoë Müller (employee" in asked.output
    assert "Their trips, assessments and points stay" in asked.output
    assert "nothing was erased: add --yes to erase" in asked.output
    assert _row(state.uow(), zoe).erased_at is None

    unknown = runner.invoke(employees, ["erase", "--email", "nobody@example.com", "--yes"])
    assert unknown.exit_code == 1
    assert "no employee with the email 'nobody@example.com'" in unknown.output

    done = runner.invoke(employees, ["erase", "--email", ZOE[0], "--yes"])
    assert done.exit_code == 0, done.output
    assert f"erased employee {zoe} (request " in done.output and "2 trips kept" in done.output
    assert _row(state.uow(), zoe).erased_at is not None

    again = runner.invoke(employees, ["erase", "--email", ZOE[0], "--yes"])
    assert again.exit_code == 1
    assert "no employee with the email 'zoe.mueller@example.com'" in again.output


def test_the_command_records_a_request_of_its_own_when_none_is_waiting(
    app: Flask, state: CarbonState, create_employee: Callable[..., EmployeeProfile]
) -> None:
    ben = create_employee(email="ben@example.com", name="Ben Other").id
    runner = app.test_cli_runner()
    done = runner.invoke(
        employees, ["erase", "--email", "ben@example.com", "--yes", "--reason", "left in 2025"]
    )
    assert done.exit_code == 0, done.output
    with state.uow() as uow:
        request = uow.session.scalars(sa.select(ErasureRequest)).one()
        assert (request.employee_id, request.channel.value, request.reason) == (
            ben,
            "operator",
            "left in 2025",
        )
        assert request.requested_by_label.startswith("cli:")


def test_large_adjustments_about_or_by_the_person_name_them_no_more(
    state: CarbonState, zoe: int, hana: Actor, create_employee: Callable[..., EmployeeProfile]
) -> None:
    """An adjustment waiting for a second person keeps its points and status; its reason
    about Zoë, and her email as the one who asked for another's, are gone."""
    uow, settings = state.uow(), state.settings
    create_employee(email="li.na@example.com", name="Li Na")
    about = request_adjustment(uow, settings, hana, employee=ZOE[0], points=40_000,
                               reason="Zoë Müller's prize", request_key="big-zoe")  # fmt: skip
    as_zoe = Actor(label=ZOE[0], employee_id=zoe)
    by_her = request_adjustment(uow, settings, as_zoe, employee="li.na@example.com",
                                points=30_000, reason="relocation", request_key="big-li")  # fmt: skip
    assert about.waiting is not None and by_her.waiting is not None
    request = _open_request(uow, zoe)
    assert request is not None

    erase.confirm_and_erase(uow, settings, hana, zoe, request.id)

    with uow:
        rows = {r.id: r for r in uow.session.scalars(sa.select(AdjustmentRequest))}
        assert rows[about.waiting.id].points == 40_000
        assert rows[about.waiting.id].status.value == "awaiting"
        assert "Zoë" not in rows[about.waiting.id].reason
        assert rows[by_her.waiting.id].requested_by_label != ZOE[0]
    assert text_hits(state.engine, [ZOE[0], ZOE[1]], [ZOE[2]]) == []
