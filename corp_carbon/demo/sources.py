"""Where the demo's imported records came from: sources, one nightly run each, provenance stamps."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from corp_carbon.db.models import (
    Activity,
    CommuteProfile,
    ImportRowProblem,
    ImportRun,
    ImportSource,
)
from corp_carbon.domain.vocabulary import (
    ActivityStatus,
    ImportRunStatus,
    ImportTrigger,
    Verification,
)

#: the activity fields a connector's normalised record consists of, in hashing order.
_HASHED_FIELDS = (
    "employee_id",
    "kind",
    "mode",
    "cabin",
    "fuel",
    "vehicle_size",
    "origin",
    "destination",
    "carrier",
    "service_number",
    "ticket_number",
    "record_locator",
    "travel_date",
    "distance_km",
    "nights",
    "spend_amount",
    "spend_currency",
    "status",
)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Feed:
    """One import source and its run; stamps the records that arrived through it."""

    source: ImportSource
    run: ImportRun
    #: bytes per source row, to give the run a plausible file size.
    row_bytes: int

    def stamp(self, activity: Activity, key: str) -> Activity:
        activity.source_id = self.source.id
        activity.import_run_id = self.run.id
        activity.source_record_key = key
        activity.verification = Verification.IMPORTED
        return activity


@dataclass
class Feeds:
    concur: Feed
    navan: Feed
    survey: Feed

    def all(self) -> tuple[Feed, ...]:
        return (self.concur, self.navan, self.survey)


def create_feeds(session: Session, *, today: date, seed: int) -> Feeds:
    """Three sources, each with a succeeded nightly run from last night; flushed for their ids."""
    month = (today - timedelta(days=1)).strftime("%Y-%m")
    started = datetime.combine(today - timedelta(days=1), time(2, 0), tzinfo=UTC)
    specs = (
        (
            "Concur (demo)",
            "concur-itinerary",
            "sftp://sftp.concursolutions.example/out/itinerary",
            "0 2 * * *",
            f"concur_{month}.csv",
            310,
        ),
        (
            "Navan (demo)",
            "navan",
            "https://api.navan.example/v1/bookings",
            "0 2 * * *",
            f"navan_bookings_{month}.json",
            1450,
        ),
        (
            "Commute survey (demo)",
            "commute-survey",
            "/srv/corp-carbon/inbox/commute-survey",
            "30 2 * * *",
            f"commute_survey_{today.year}.xlsx",
            95,
        ),
    )
    feeds: list[Feed] = []
    for i, (name, connector, location, schedule, file_name, row_bytes) in enumerate(specs):
        source = ImportSource(
            name=name, connector=connector, location=location, schedule=schedule, enabled=True
        )
        session.add(source)
        session.flush()
        run = ImportRun(
            source_id=source.id,
            connector=connector,
            file_name=file_name,
            file_size=0,
            file_sha256=sha256_hex(f"{file_name}:{seed}"),
            trigger=ImportTrigger.SCHEDULE,
            started_by="schedule:nightly",
            dry_run=False,
            status=ImportRunStatus.SUCCEEDED,
            started_at=started + timedelta(minutes=7 * i),
        )
        feeds.append(Feed(source, run, row_bytes))
    session.add_all(f.run for f in feeds)
    session.flush()
    return Feeds(*feeds)


def record_hash(values: Mapping[str, Any]) -> str:
    """SHA-256 of a normalised record (column values), to tell a re-send from a change."""
    return sha256_hex("|".join(str(values[f]) for f in _HASHED_FIELDS))


def _count(counts: dict[str, int], status: ActivityStatus) -> None:
    if status is ActivityStatus.DUPLICATE:
        counts["duplicates"] += 1
        return
    counts["imported"] += 1
    if status is ActivityStatus.CANCELLED:
        counts["cancelled"] += 1
    elif status is ActivityStatus.REPLACED:
        counts["updated"] += 1


def finish_runs(
    session: Session,
    feeds: Feeds,
    activities: list[Activity],
    rows: list[dict[str, Any]],
    profiles: list[CommuteProfile],
    *,
    today: date,
) -> None:
    """Hashes imported records (objects and bulk rows); fills each run's counts from them.

    ``imported`` counts every new row that is not a duplicate (cancelled rows and exchange
    tickets included); ``cancelled`` and ``updated`` (ticket exchanges applied to an earlier
    row) are subsets of it; ``rows_read = imported + duplicates + rejected``.
    """
    stats = {
        f.run.id: {"imported": 0, "duplicates": 0, "cancelled": 0, "updated": 0}
        for f in feeds.all()
    }
    for activity in activities:
        if activity.import_run_id is not None:
            activity.source_record_hash = record_hash(
                {f: getattr(activity, f) for f in _HASHED_FIELDS}
            )
            _count(stats[activity.import_run_id], activity.status)
    for row in rows:
        if row["import_run_id"] is not None:
            row["source_record_hash"] = record_hash(row)
            _count(stats[row["import_run_id"]], row["status"])
    for profile in profiles:
        if profile.import_run_id is not None:
            stats[profile.import_run_id]["imported"] += 1

    # Two rows of the itinerary file the connector could not read (as in travel_formats 8.2).
    problems = [
        ImportRowProblem(
            run_id=feeds.concur.run.id,
            row_number=0,
            field="arrival_airport",
            reason="unknown IATA airport code",
            value="JFX",
        ),
        ImportRowProblem(
            run_id=feeds.concur.run.id,
            row_number=0,
            field="departure_datetime",
            reason="not a valid date",
            value=f"{today.year - 1}-02-30T07:40:00",
        ),
    ]
    for feed in feeds.all():
        counts = stats[feed.run.id]
        rejected = len(problems) if feed is feeds.concur else 0
        run = feed.run
        run.imported, run.duplicates = counts["imported"], counts["duplicates"]
        run.cancelled, run.updated = counts["cancelled"], counts["updated"]
        run.rejected, run.waiting = rejected, 0
        if rejected:  # as the pipeline reports a run with rejected rows
            run.status = ImportRunStatus.COMPLETED_WITH_ERRORS
        run.rows_read = run.imported + run.duplicates + rejected
        run.last_committed_row = run.rows_read
        run.file_size = 420 + run.rows_read * feed.row_bytes
        run.finished_at = run.started_at + timedelta(seconds=3 + run.rows_read // 150)
    for n, problem in enumerate(problems, start=1):
        problem.row_number = max(1, feeds.concur.run.rows_read * n // 3)
    session.add_all(problems)
