"""Stored overview figures: read for the page, computed inline when small, queued when not,
refreshed by the scheduler and the CLI.

Figures are read from the report database (``report``) and stored on the primary
(``primary``); each write here is its own short transaction, never held open while figures
are computed. A row is both the snapshot and the pending computation of its period: a
worker claims it (``started_at``), so two workers never compute one period at once, and a
claim older than ``CUT_SHORT_AFTER`` is taken over (its worker died with its process).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.config import Settings
from corp_carbon.db.models import OverviewSnapshot
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.db.types import utcnow
from corp_carbon.domain.overview import Snapshot, Staleness, Watermark, staleness
from corp_carbon.domain.overview_codec import UnreadableSnapshot, decode, encode
from corp_carbon.domain.periods import PRESETS, Period, preset
from corp_carbon.services.reports.overview import (
    activities_up_to,
    compute_overview,
    current_watermark,
    settings_key,
)

log = logging.getLogger("corp_carbon.reports")

UnitsOfWork = Callable[[], UnitOfWork]
#: a computation claimed this long ago and not finished was cut short (a restart): the
#: longest one measured, a year at 100,000 employees, takes well under an hour.
CUT_SHORT_AFTER = timedelta(hours=2)
#: what the page says when a computation failed (the log has the details).
FAILED = "the figures could not be computed (an internal error, logged on the server)"


@dataclass(frozen=True, slots=True)
class OverviewRead:
    """What the page can show for a period."""

    #: the figures to show (None: nothing stored yet that fits).
    snapshot: Snapshot | None
    #: why they may be behind the data (None without a snapshot).
    staleness: Staleness | None
    #: a computation of the period is queued or running since then.
    computing_since: datetime | None
    #: why the last computation failed, if it did (it is being tried again).
    error: str | None
    #: this read queued the computation: the caller hands it to a worker.
    queued_now: bool = False


def read_overview(
    primary: UnitsOfWork,
    report: UnitsOfWork,
    settings: Settings,
    period: Period,
    preset_name: str | None = None,
) -> OverviewRead:
    """The stored figures of ``period`` when current; else computed now and stored when the
    period has at most ``[reports] overview_inline_limit`` activities; else the best stored
    figures (of this period, or of the preset's previous period), as they are.

    Then a computation is queued for what nobody else will compute: a from/to period, or a
    preset with nothing stored yet. A preset's stored figures are the scheduler's to refresh
    (every ``overview_refresh_minutes``), so a large company's page views never start one
    more computation of a whole year. Costs a few indexed lookups unless it computes."""
    now = utcnow()
    key = settings_key(settings)
    max_age = timedelta(minutes=settings.reports.overview_refresh_minutes)
    limit = settings.reports.overview_inline_limit
    with report() as uow:
        watermark = current_watermark(uow.session)
    with primary() as uow:
        row = _row(uow.session, period)
        found = _usable(uow.session, row, period, preset_name, key)
        pending = _pending(row, now)
        last_error = row.error if row is not None else None
    stale = None if found is None else staleness(found, period, watermark, now, max_age)
    if stale is Staleness.CURRENT:
        return OverviewRead(found, stale, pending, None)
    with report() as uow:
        small = activities_up_to(uow.session, period, limit) <= limit
    if small:
        fresh = compute_and_store(primary, report, settings, period, preset_name)
        return OverviewRead(fresh, Staleness.CURRENT, None, None)
    if stale is Staleness.TRICKLED:  # shown as current until older than the interval
        return OverviewRead(found, Staleness.CURRENT, pending, None)
    if found is not None and preset_name is not None:
        return OverviewRead(found, stale, pending, last_error)
    queued = request_computation(primary, period, preset_name)
    return OverviewRead(found, stale, pending or utcnow(), last_error, queued_now=queued)


def compute_and_store(
    primary: UnitsOfWork,
    report: UnitsOfWork,
    settings: Settings,
    period: Period,
    preset_name: str | None = None,
) -> Snapshot:
    """Computes the period's figures now and stores them (whatever is stored already)."""
    with report() as uow:  # before the figures: a change while they are read makes them stale
        watermark = current_watermark(uow.session)
    figures = compute_overview(report, settings, period)
    computed_at = utcnow()
    version = watermark.methodology_version or None
    with primary() as uow:
        begin_write(uow.session)  # reads the row, then writes it
        row = _row_for_writing(uow.session, period)
        row.preset = preset_name or row.preset
        row.computed_at = computed_at
        row.methodology_version = version
        row.watermark = watermark.to_json()
        row.settings_key = settings_key(settings)
        row.figures = encode(figures)
        row.error = None
        if preset_name is not None:
            _forget_earlier(uow.session, preset_name, period)
        uow.commit()
    return Snapshot(period, preset_name, computed_at, version, watermark, figures)


def request_computation(primary: UnitsOfWork, period: Period, preset_name: str | None) -> bool:
    """Marks the period's figures as asked for; False when already asked for and not cut
    short (the worker that has it will finish it)."""
    now = utcnow()
    with primary() as uow:
        begin_write(uow.session)  # reads the row, then writes it
        row = _row_for_writing(uow.session, period)
        if _pending(row, now) is not None:
            return False
        row.preset = preset_name or row.preset
        row.requested_at, row.started_at = now, None
        uow.commit()
    return True


def run_computation(
    primary: UnitsOfWork, report: UnitsOfWork, settings: Settings, period: Period
) -> bool:
    """Claims the asked-for computation of ``period`` and carries it out; False when another
    worker has it (or nobody asks any more). A failure is kept on the row for the page."""
    claim = _claim(primary, period, asked_only=True)
    if claim is None:
        return False
    _compute_claimed(primary, report, settings, period, claim.preset)
    return True


@dataclass(frozen=True, slots=True)
class _Claim:
    """This worker computes the period; ``preset`` is None for a from/to period."""

    preset: str | None


def _claim(
    primary: UnitsOfWork, period: Period, *, asked_only: bool, preset_name: str | None = None
) -> _Claim | None:
    """Takes the period's computation for this worker; None when another worker is computing
    it and is not cut short. ``asked_only``: only a computation somebody asked for (a web
    process queued it), else whether asked for or not (the scheduler's refresh)."""
    now = utcnow()
    with primary() as uow:
        begin_write(uow.session)  # reads the row, then writes it
        if not asked_only:
            _row_for_writing(uow.session, period)
        snap = OverviewSnapshot
        claimed = uow.session.execute(
            sa.update(snap)
            .where(
                snap.period_first == period.first,
                snap.period_last == period.last,
                snap.requested_at.is_not(None) if asked_only else sa.true(),
                sa.or_(snap.started_at.is_(None), snap.started_at < now - CUT_SHORT_AFTER),
            )
            .values(
                started_at=now,
                requested_at=sa.func.coalesce(snap.requested_at, now),
                preset=sa.func.coalesce(snap.preset, preset_name),
            )
            .returning(snap.preset)
        ).first()
        uow.commit()
    return None if claimed is None else _Claim(claimed.preset)


def _compute_claimed(
    primary: UnitsOfWork,
    report: UnitsOfWork,
    settings: Settings,
    period: Period,
    preset_name: str | None,
) -> Snapshot:
    """Computes a claimed period and releases the claim, keeping a failure for the page."""
    try:
        stored = compute_and_store(primary, report, settings, period, preset_name)
    except Exception:
        log.exception("the overview of %s to %s could not be computed", period.first, period.last)
        _finish(primary, period, error=FAILED)
        raise
    _finish(primary, period, error=None)
    return stored


def waiting_computations(primary: UnitsOfWork) -> list[Period]:
    """Periods asked for and not claimed, or claimed by a worker that died: for the
    scheduler to carry out when the web process that queued them could not."""
    now = utcnow()
    with primary() as uow:
        rows = uow.session.execute(
            sa.select(OverviewSnapshot.period_first, OverviewSnapshot.period_last)
            .where(
                OverviewSnapshot.requested_at.is_not(None),
                sa.or_(
                    OverviewSnapshot.started_at.is_(None),
                    OverviewSnapshot.started_at < now - CUT_SHORT_AFTER,
                ),
            )
            .order_by(OverviewSnapshot.requested_at)
        ).all()
    return [Period(first, last) for first, last in rows]


@dataclass(frozen=True, slots=True)
class Refreshed:
    """One preset period of a refresh: what it stored and how long it took, or, when
    another process was computing the same period, since when (its figures come from it)."""

    preset: str
    period: Period
    snapshot: Snapshot | None
    seconds: float
    busy_since: datetime | None = None


def refresh_presets(
    primary: UnitsOfWork, report: UnitsOfWork, settings: Settings, today: date | None = None
) -> list[Refreshed]:
    """Computes the figures of every preset period as of ``today`` (UTC, by default the
    current day). Run every ``[reports] overview_refresh_minutes``, so the page's figures
    are never much older than that.

    Each period is claimed first, as a queued computation is: a period another process is
    computing (a web worker, a second scheduler run, the CLI) is left to it rather than
    computed twice at once. Figures of from/to periods computed more than
    ``KEEP_CHOSEN_PERIODS`` ago are dropped: a later visit computes them again."""
    done: list[Refreshed] = []
    for name, period in preset_periods(today or utcnow().date()):
        started = time.monotonic()
        same = next((d for d in done if d.period == period and d.snapshot is not None), None)
        if same is not None:  # in December the last 12 months are this year: computed once
            with primary() as uow:
                _forget_earlier(uow.session, name, period)
                uow.commit()
            done.append(Refreshed(name, period, same.snapshot, 0.0))
            continue
        if _claim(primary, period, asked_only=False, preset_name=name) is None:
            done.append(Refreshed(name, period, None, 0.0, _busy_since(primary, period)))
            continue
        stored = _compute_claimed(primary, report, settings, period, name)
        done.append(Refreshed(name, period, stored, time.monotonic() - started))
    forget_chosen_periods(primary)
    return done


#: how long the figures of a from/to period (not a preset) are kept after they were computed.
KEEP_CHOSEN_PERIODS = timedelta(days=7)


def forget_chosen_periods(primary: UnitsOfWork) -> int:
    """Deletes the figures of from/to periods computed more than ``KEEP_CHOSEN_PERIODS`` ago
    and not being computed (each visit to a new period adds a row); returns how many."""
    with primary() as uow:
        deleted = uow.session.execute(
            sa.delete(OverviewSnapshot).where(
                OverviewSnapshot.preset.is_(None),
                OverviewSnapshot.requested_at.is_(None),
                OverviewSnapshot.computed_at < utcnow() - KEEP_CHOSEN_PERIODS,
            )
        )
        uow.commit()
    return int(getattr(deleted, "rowcount", 0) or 0)


def _busy_since(primary: UnitsOfWork, period: Period) -> datetime | None:
    with primary() as uow:
        row = _row(uow.session, period)
        return None if row is None else row.started_at


def preset_periods(today: date) -> list[tuple[str, Period]]:
    """The page's preset periods as of ``today`` (UTC)."""
    return [(name, preset(name, today)) for name in PRESETS]


def _finish(primary: UnitsOfWork, period: Period, *, error: str | None) -> None:
    with primary() as uow:
        uow.session.execute(
            sa.update(OverviewSnapshot)
            .where(
                OverviewSnapshot.period_first == period.first,
                OverviewSnapshot.period_last == period.last,
            )
            .values(requested_at=None, started_at=None, error=error)
        )
        uow.commit()


def _forget_earlier(session: Session, preset_name: str, period: Period) -> None:
    """Drops the preset's figures of earlier days ("this year" up to yesterday) once today's
    are stored, so a preset keeps one row rather than one a day; rows still asked for stay."""
    session.execute(
        sa.delete(OverviewSnapshot).where(
            OverviewSnapshot.preset == preset_name,
            OverviewSnapshot.requested_at.is_(None),
            sa.not_(
                sa.and_(
                    OverviewSnapshot.period_first == period.first,
                    OverviewSnapshot.period_last == period.last,
                )
            ),
        )
    )


def _pending(row: OverviewSnapshot | None, now: datetime) -> datetime | None:
    """When the row's computation was asked for, unless none is or its worker died."""
    if row is None or row.requested_at is None:
        return None
    if row.started_at is not None and row.started_at < now - CUT_SHORT_AFTER:
        return None
    return row.requested_at


def _row(session: Session, period: Period) -> OverviewSnapshot | None:
    return session.scalars(
        sa.select(OverviewSnapshot).where(
            OverviewSnapshot.period_first == period.first,
            OverviewSnapshot.period_last == period.last,
        )
    ).first()


def _row_for_writing(session: Session, period: Period) -> OverviewSnapshot:
    """The period's row, created on first use (race-safe: a concurrent creator wins)."""
    row = _row(session, period)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = OverviewSnapshot(period_first=period.first, period_last=period.last)
            session.add(row)
        return row
    except IntegrityError:
        found = _row(session, period)
        assert found is not None
        return found


def _usable(
    session: Session,
    row: OverviewSnapshot | None,
    period: Period,
    preset_name: str | None,
    key: str,
) -> Snapshot | None:
    """The period's stored figures, else the newest of the same preset's earlier periods;
    only figures computed under the same settings (group size above all)."""
    exact = _snapshot(row, key)
    if exact is not None or preset_name is None:
        return exact
    earlier = session.scalars(
        sa.select(OverviewSnapshot)
        .where(
            OverviewSnapshot.preset == preset_name,
            OverviewSnapshot.settings_key == key,
            OverviewSnapshot.computed_at.is_not(None),
        )
        .order_by(OverviewSnapshot.period_last.desc(), OverviewSnapshot.computed_at.desc())
        .limit(1)
    ).first()
    return _snapshot(earlier, key)


def _snapshot(row: OverviewSnapshot | None, key: str) -> Snapshot | None:
    if (
        row is None
        or row.figures is None
        or row.computed_at is None
        or row.watermark is None
        or row.settings_key != key
    ):
        return None
    try:
        figures = decode(row.figures)
    except UnreadableSnapshot as exc:
        log.warning("overview snapshot %s not read (computed again): %s", row.id, exc)
        return None
    return Snapshot(
        period=Period(row.period_first, row.period_last),
        preset=row.preset,
        computed_at=row.computed_at,
        methodology_version=row.methodology_version,
        watermark=Watermark.from_json(row.watermark),
        figures=figures,
    )
