"""Commute logging services on SQLite and PostgreSQL: profile versions, identical submits at
once crediting once, corrections reversing through the ledger, evidence photos."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from corp_carbon import create_app
from corp_carbon.db.models import CommuteEvidence, LedgerTransaction
from corp_carbon.domain.commute_log import CommuteInputError, CommuteRequest, ProfileInput
from corp_carbon.domain.vocabulary import Mode, TransactionKind
from corp_carbon.services.commutes import entries, evidence, profiles
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.people.employees import add_employee
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.conftest import make_settings
from tests.support import OPERATOR

THREADS = 8


@pytest.fixture
def state(db_url: str, tmp_path: Path) -> Iterator[CarbonState]:
    app = create_app(make_settings(db_url, tmp_path, database={"pool_size": THREADS + 4}))
    carbon: CarbonState = app.extensions[EXTENSION_KEY]
    yield carbon
    carbon.engine.dispose()


def _employee(state: CarbonState) -> int:
    return add_employee(state.uow(), OPERATOR, email="mei@example.com", name="Mei").id


def test_profile_edits_make_versions_and_keep_the_baseline(state: CarbonState) -> None:
    me = _employee(state)
    day = entries.today()
    first = ProfileInput(Mode.CAR, Decimal("12"), 5, baseline_mode=None)
    profiles.save_profile(state.uow(), OPERATOR, me, first, day - timedelta(days=30))
    later = ProfileInput(Mode.BIKE, Decimal("11.5"), 3)
    profiles.save_profile(state.uow(), OPERATOR, me, later, day)
    profiles.save_profile(state.uow(), OPERATOR, me, later, day)  # the same day: corrected
    with state.uow() as uow:
        history = profiles.history(uow.session, me)
        before = profiles.current(uow.session, me, day - timedelta(days=1))
    assert [h.usual_mode for h in history] == [Mode.BIKE, Mode.CAR]
    assert [h.baseline_mode for h in history] == [Mode.CAR, Mode.CAR]  # what they did before
    assert before is not None and before.usual_mode is Mode.CAR


def test_identical_submits_at_once_credit_once(state: CarbonState) -> None:
    me = _employee(state)
    wanted = CommuteRequest((entries.today(),), Mode.BIKE, Decimal("5"), 2)
    barrier = threading.Barrier(THREADS, timeout=60)

    def submit(_: int) -> object:
        barrier.wait()
        try:
            return entries.log_commutes(
                state.uow(), state.settings, OPERATOR, employee_id=me, request=wanted,
                request_key="same-form", today=entries.today(),
            )  # fmt: skip
        except Exception as exc:  # judged below
            return exc

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(submit, range(THREADS)))
    logged = [r for r in results if isinstance(r, entries.Logged)]
    assert len(logged) == THREADS, [r for r in results if not isinstance(r, entries.Logged)]
    assert sum(r.created for r in logged) == 1
    points = next(r for r in logged if r.created).points
    assert points > 0
    with state.uow() as uow:
        assert ledger.balance(uow.session, me) == points
        earnings = uow.session.scalar(
            sa.select(sa.func.count()).where(LedgerTransaction.kind == TransactionKind.EARN)
        )
    assert earnings == 2


def test_a_deleted_commute_is_reversed_by_a_linked_transaction(state: CarbonState) -> None:
    me = _employee(state)
    wanted = CommuteRequest((entries.today(),), Mode.WALK, Decimal("2"), 1)
    logged = entries.log_commutes(
        state.uow(), state.settings, OPERATOR, employee_id=me, request=wanted,
        request_key="k1", today=entries.today(),
    )  # fmt: skip
    trip = logged.trips[0]
    entries.delete_commute(
        state.uow(), state.settings, OPERATOR, employee_id=me, activity_id=trip.id,
        today=entries.today(),
    )  # fmt: skip
    with state.uow() as uow:
        assert ledger.balance(uow.session, me) == 0
        earn, reversal = uow.session.scalars(
            sa.select(LedgerTransaction)
            .where(LedgerTransaction.activity_id == trip.id)
            .order_by(LedgerTransaction.id)
        ).all()
        assert reversal.reverses_id == earn.id
        assert reversal.reason_code == "activity_cancelled"


def test_the_stored_photo_has_no_metadata_and_is_named_by_its_content(
    state: CarbonState, tmp_path: Path
) -> None:
    me = _employee(state)
    picture = Image.new("RGB", (2400, 1800), (90, 140, 200))
    exif = Image.Exif()
    exif[0x0132] = "2026:12:01 08:10:00"  # DateTime
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPS latitude
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    first = evidence.add_evidence(state.uow(), state.settings, me, out.getvalue())
    again = evidence.add_evidence(state.uow(), state.settings, me, out.getvalue())
    with state.uow() as uow:
        rows = uow.session.scalars(sa.select(CommuteEvidence).order_by(CommuteEvidence.id)).all()
        names = {row.file_name for row in rows}
    assert first != again and len(names) == 1  # two uploads, one file
    stored = state.settings.commute_evidence_dir / names.pop()
    with Image.open(stored) as kept:
        assert kept.format == "JPEG"
        assert max(kept.size) == evidence.MAX_SIDE
        assert not kept.getexif()
        assert b"Exif" not in stored.read_bytes()


def test_a_png_is_accepted_and_a_text_file_is_not(state: CarbonState) -> None:
    me = _employee(state)
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(out, format="PNG")
    assert evidence.add_evidence(state.uow(), state.settings, me, out.getvalue()) > 0
    with pytest.raises(CommuteInputError) as refused:
        evidence.add_evidence(state.uow(), state.settings, me, b"GIF89a not really")
    assert refused.value.field == "photo"
    assert refused.value.http_status == 422
