"""Activities (normalised trip segments), journeys, factor sets, methodology and assessments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corp_carbon.db.base import Base
from corp_carbon.db.models._columns import JSONType, created_at, employee_fk, updated_at
from corp_carbon.db.models.people import Employee
from corp_carbon.db.types import ScaledDecimal, UTCDateTime, enum_type
from corp_carbon.domain.matching import match_key
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    Cabin,
    CalculationMethod,
    DistanceSource,
    Fuel,
    Mode,
    VehicleSize,
    Verification,
)


class FactorSetRecord(Base):
    """A published factor set as loaded from its data file; the hash pins the exact content."""

    __tablename__ = "factor_sets"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    publisher: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(300))
    year: Mapped[int]
    version: Mapped[str] = mapped_column(sa.String(200))
    source_url: Mapped[str] = mapped_column(sa.String(500))
    licence: Mapped[str] = mapped_column(sa.String(200))
    #: SHA-256 of the data file; a changed file under the same id is refused.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    loaded_at: Mapped[datetime] = created_at()


class MethodologyVersion(Base):
    """The company's scoring policy at one point in time; never edited, a change is a new row."""

    __tablename__ = "methodology_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    #: a factor-set id, or "by-year" (the set of the activity's year, else the newest).
    factor_set: Mapped[str] = mapped_column(sa.String(40))
    radiative_forcing: Mapped[bool]
    #: "avoided_grams" or a rate-card id such as "wuhan-2024".
    points_rule: Mapped[str] = mapped_column(sa.String(40))
    #: "reference" (policy baseline) or "personal" (the employee's declared baseline).
    additionality: Mapped[str] = mapped_column(sa.String(16))
    #: baselines, bands, caps and evidence thresholds, as they were when this version was made.
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: why it was made: the reason typed on the methodology page, or what the configuration did.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: "configuration" (taken from [methodology]) or "page" (saved on the methodology page):
    #: the configuration replaces the current version only when it changed since the last
    #: version taken from it (``services.scoring.methodology.current``).
    origin: Mapped[str] = mapped_column(
        sa.String(16), default="configuration", server_default="configuration"
    )
    #: who saved it on the page (None: taken from the configuration).
    created_by_id: Mapped[int | None] = employee_fk(nullable=True)
    created_at: Mapped[datetime] = created_at()


class Journey(Base):
    """The segments of one trip from origin to destination; baselines are judged per journey."""

    __tablename__ = "journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = employee_fk(index=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_type(ActivityKind, "journey_kind"))
    origin: Mapped[str] = mapped_column(sa.String(120))
    destination: Mapped[str] = mapped_column(sa.String(120))
    start_date: Mapped[date]
    end_date: Mapped[date]
    created_at: Mapped[datetime] = created_at()

    activities: Mapped[list[Activity]] = relationship(back_populates="journey")


class Activity(Base):
    """One normalised travel segment, with where it came from and what happened to it."""

    __tablename__ = "activities"
    __table_args__ = (
        sa.UniqueConstraint("source_id", "source_record_key"),
        sa.CheckConstraint("distance_km IS NULL OR distance_km >= 0", name="distance_not_negative"),
        sa.CheckConstraint("occupants >= 1", name="occupants_positive"),
        sa.CheckConstraint(
            "(status = 'replaced') = (replaced_by_id IS NOT NULL)", name="replaced_has_successor"
        ),
        sa.CheckConstraint(
            "(status = 'duplicate') = (duplicate_of_id IS NOT NULL)", name="duplicate_has_original"
        ),
        sa.CheckConstraint(
            "verification <> 'imported' OR source_id IS NOT NULL", name="imported_has_source"
        ),
        sa.CheckConstraint(
            "(source_id IS NULL) = (source_record_key IS NULL)", name="source_key_with_source"
        ),
        sa.Index("ix_activities_employee_date", "employee_id", "travel_date"),
        #: the team page's department totals read one department's trips of one year.
        sa.Index(
            "ix_activities_department_date",
            "department",
            "travel_date",
            postgresql_include=["status", "id"],
        ),
        sa.Index("ix_activities_source_booking", "source_id", "source_booking_key"),
        #: reports sum a period's activities: a month of a long history is a range of this.
        sa.Index("ix_activities_travel_date", "travel_date"),
        #: nearly always NULL: partial, so a new activity writes no entry in them (every
        #: lookup is by equality, which implies NOT NULL).
        *(
            sa.Index(
                f"ix_activities_{column}",
                column,
                postgresql_where=sa.text(f"{column} IS NOT NULL"),
                sqlite_where=sa.text(f"{column} IS NOT NULL"),
            )
            for column in ("replaced_by_id", "duplicate_of_id")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = employee_fk()
    journey_id: Mapped[int | None] = mapped_column(sa.ForeignKey("journeys.id"), index=True)
    #: position of this segment within its journey (0-based).
    leg_index: Mapped[int | None]
    kind: Mapped[ActivityKind] = mapped_column(enum_type(ActivityKind, "activity_kind"))
    mode: Mapped[Mode] = mapped_column(enum_type(Mode, "mode"))
    cabin: Mapped[Cabin | None] = mapped_column(enum_type(Cabin, "cabin"))
    fuel: Mapped[Fuel | None] = mapped_column(enum_type(Fuel, "fuel"))
    vehicle_size: Mapped[VehicleSize | None] = mapped_column(enum_type(VehicleSize, "vehicle_size"))
    #: IATA code, station or place name as the source gave it, normalised.
    origin: Mapped[str | None] = mapped_column(sa.String(120))
    destination: Mapped[str | None] = mapped_column(sa.String(120))
    origin_lat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6))
    origin_lon: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6))
    destination_lat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6))
    destination_lon: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6))
    carrier: Mapped[str | None] = mapped_column(sa.String(64))
    service_number: Mapped[str | None] = mapped_column(sa.String(32))
    ticket_number: Mapped[str | None] = mapped_column(sa.String(32))
    record_locator: Mapped[str | None] = mapped_column(sa.String(32))
    travel_date: Mapped[date]
    #: the employee's department and office when the activity was recorded, so a later move
    #: does not carry past trips along in reports.
    department: Mapped[str | None] = mapped_column(sa.String(120))
    office: Mapped[str | None] = mapped_column(sa.String(120))
    distance_km: Mapped[Decimal | None] = mapped_column(ScaledDecimal(3))
    distance_source: Mapped[DistanceSource | None] = mapped_column(
        enum_type(DistanceSource, "distance_source")
    )
    #: room-nights, for hotel stays.
    nights: Mapped[int | None]
    #: people sharing the vehicle, the traveller included (car-pool); per-vehicle-km factors
    #: are divided by it.
    occupants: Mapped[int] = mapped_column(default=1)
    method: Mapped[CalculationMethod] = mapped_column(
        enum_type(CalculationMethod, "method"), default=CalculationMethod.DISTANCE
    )
    spend_amount: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4))
    spend_currency: Mapped[str | None] = mapped_column(sa.String(3))
    status: Mapped[ActivityStatus] = mapped_column(
        enum_type(ActivityStatus, "status"), default=ActivityStatus.CONFIRMED
    )
    #: the newer activity that replaced this one (ticket exchange).
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"))
    #: the activity this one duplicates (same trip from another source).
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"))
    #: "imported" requires a source (a check constraint); manual entries say how they are backed.
    verification: Mapped[Verification] = mapped_column(enum_type(Verification, "verification"))
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_sources.id"))
    import_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_runs.id"))
    #: the source's own identity for the record (unique per source): a re-send updates.
    source_record_key: Mapped[str | None] = mapped_column(sa.String(200))
    #: the source's key of the booking this segment belongs to (a booking is re-sent whole).
    source_booking_key: Mapped[str | None] = mapped_column(sa.String(200))
    #: when the source last changed the booking; an older copy never overwrites a newer one.
    source_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: SHA-256 of the normalised record, to tell a re-send from a change.
    source_record_hash: Mapped[str | None] = mapped_column(sa.String(64))
    #: cross-source de-duplication key (traveller, date, mode, route, carrier+number/ticket).
    match_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    journey: Mapped[Journey | None] = relationship(back_populates="activities")
    replaced_by: Mapped[Activity | None] = relationship(
        foreign_keys=[replaced_by_id], remote_side=[id]
    )
    duplicate_of: Mapped[Activity | None] = relationship(
        foreign_keys=[duplicate_of_id], remote_side=[id]
    )


class Assessment(Base):
    """CO2e and points of one activity under one methodology and factor set, with its trail."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.UniqueConstraint(
            "activity_id", "methodology_version_id", "factor_set_id", "radiative_forcing"
        ),
        sa.CheckConstraint("kg_co2e >= 0", name="kg_not_negative"),
        sa.CheckConstraint("avoided_kg_co2e >= 0", name="avoided_not_negative"),
        sa.CheckConstraint("points >= 0", name="points_not_negative"),
        #: a trip's current figures read from the index alone (the team page's totals look
        #: up a department's year of trips one by one; PostgreSQL carries the figures along).
        sa.Index(
            "ix_assessments_current_figures",
            "activity_id",
            "comparison",
            "methodology_version_id",
            postgresql_include=["kg_co2e", "avoided_kg_co2e", "points"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: no index of its own: the unique key and ``ix_assessments_current_figures`` lead with it.
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="RESTRICT"))
    methodology_version_id: Mapped[int] = mapped_column(sa.ForeignKey("methodology_versions.id"))
    factor_set_id: Mapped[str] = mapped_column(sa.ForeignKey("factor_sets.id"))
    radiative_forcing: Mapped[bool]
    #: True when assessed under another factor set than the methodology's own, for reports
    #: and comparisons; such assessments never earn points.
    comparison: Mapped[bool] = mapped_column(default=False)
    #: publisher ID of the factor applied (e.g. a DESNZ row id).
    factor_id: Mapped[str] = mapped_column(sa.String(120))
    kg_co2e: Mapped[Decimal] = mapped_column(ScaledDecimal(3))
    #: which baseline the activity was compared with, e.g. "economy_flight" or "solo_petrol_car".
    baseline: Mapped[str | None] = mapped_column(sa.String(64))
    baseline_kg_co2e: Mapped[Decimal | None] = mapped_column(ScaledDecimal(3))
    avoided_kg_co2e: Mapped[Decimal] = mapped_column(ScaledDecimal(3))
    points: Mapped[int] = mapped_column(sa.BigInteger)
    #: the flight's haul under the factor set's rule ("short_haul", "long_haul", ...; None:
    #: not a flight, or a bulk row stored before the haul was kept), for haul x cabin reports.
    haul: Mapped[str | None] = mapped_column(sa.String(32))
    #: the steps: distance and how obtained, haul, factor id and value, fallbacks, baseline.
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = created_at()


@sa.event.listens_for(Activity, "before_insert")
def _fill_match_key(mapper: object, connection: sa.Connection, target: Activity) -> None:
    """Every activity made through the ORM (manual entries, the demo) gets the cross-source
    match key, so an import of the same trip is recognised, and the employee's department
    and office of the day unless given (bulk imports set both themselves)."""
    if target.employee_id is None:
        return
    if target.match_key is None:
        target.match_key = match_key(
            target.employee_id, target.travel_date, target.mode, target.origin, target.destination
        )
    if target.department is None and target.office is None:
        posts = Employee.__table__.c
        row = connection.execute(
            sa.select(posts.department, posts.office).where(posts.id == target.employee_id)
        ).first()
        if row is not None:
            target.department, target.office = row.department, row.office
