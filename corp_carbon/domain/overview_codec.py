"""The overview's figures as JSON and back, exactly: a typed function per value type.

Stored snapshots outlive the code that wrote them, so the format is spelled out here rather
than left to pickle (which would run code on load and break on any renamed class). Decimals
travel as strings, so ``Decimal("0.816")`` comes back with its exponent (never a float);
dates and times as ISO text. ``FORMAT`` changes whenever a shape does: a snapshot of another
format is not read (``UnreadableSnapshot``) and is simply computed again.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from corp_carbon.domain.data_quality import (
    DataQuality,
    DistanceShare,
    RunCounts,
    RunQuality,
    SourceQuality,
)
from corp_carbon.domain.overview import OverviewFigures
from corp_carbon.domain.periods import Period
from corp_carbon.domain.programme import (
    AvoidedByCategory,
    Money,
    PointMovements,
    PointsPosition,
    ProgrammeFigures,
)
from corp_carbon.domain.reporting import Dimension, Figures, Row, Summary
from corp_carbon.domain.vocabulary import ImportRunStatus

#: the version of the JSON shape below.
FORMAT = 1

Json = dict[str, Any]
Counts = TypeVar("Counts", PointMovements, RunCounts)


class UnreadableSnapshot(ValueError):
    """Stored figures in another format, or damaged: computed again, never guessed."""


def encode(figures: OverviewFigures) -> Json:
    return {
        "format": FORMAT,
        "period": _period(figures.period),
        "summaries": [_summary(s) for s in figures.summaries],
        "programme": None if figures.programme is None else _programme(figures.programme),
        "avoided_problem": figures.avoided_problem,
        "position": _position(figures.position),
        "quality": _quality(figures.quality),
    }


def decode(data: Json) -> OverviewFigures:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise UnreadableSnapshot(f"overview snapshot format {found!r}, expected {FORMAT}")
    try:
        programme = data["programme"]
        return OverviewFigures(
            period=_read_period(data["period"]),
            summaries=tuple(_read_summary(s) for s in data["summaries"]),
            programme=None if programme is None else _read_programme(programme),
            avoided_problem=data["avoided_problem"],
            position=_read_position(data["position"]),
            quality=_read_quality(data["quality"]),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise UnreadableSnapshot(f"overview snapshot unreadable: {exc!r}") from exc


# --- scalars --------------------------------------------------------------------------------


def _dec(value: Decimal) -> str:
    return str(value)


def _read_dec(value: str) -> Decimal:
    if not isinstance(value, str):
        raise TypeError(f"a decimal is stored as text, found {type(value).__name__}")
    return Decimal(value)


def _period(period: Period) -> Json:
    return {"first": period.first.isoformat(), "last": period.last.isoformat()}


def _read_period(data: Json) -> Period:
    return Period(date.fromisoformat(data["first"]), date.fromisoformat(data["last"]))


def _money(money: Money) -> Json:
    return {"amount": _dec(money.amount), "currency": money.currency}


def _read_money(data: Json) -> Money:
    return Money(_read_dec(data["amount"]), str(data["currency"]))


def _counts(counts: PointMovements | RunCounts) -> Json:
    return {f.name: getattr(counts, f.name) for f in fields(counts)}


def _read_counts(kind: type[Counts], data: Json) -> Counts:
    return kind(**{f.name: int(data[f.name]) for f in fields(kind)})


# --- emissions ------------------------------------------------------------------------------


def _figures(f: Figures) -> Json:
    return {
        "kg_co2e": _dec(f.kg_co2e),
        "avoided_kg_co2e": _dec(f.avoided_kg_co2e),
        "points": f.points,
        "activities": f.activities,
        "distance_km": _dec(f.distance_km),
        "nights": f.nights,
    }


def _read_figures(data: Json) -> Figures:
    return Figures(
        kg_co2e=_read_dec(data["kg_co2e"]),
        avoided_kg_co2e=_read_dec(data["avoided_kg_co2e"]),
        points=int(data["points"]),
        activities=int(data["activities"]),
        distance_km=_read_dec(data["distance_km"]),
        nights=int(data["nights"]),
    )


def _summary(s: Summary) -> Json:
    return {
        "dimensions": [d.value for d in s.dimensions],
        "rows": [_row(r) for r in s.rows],
        "business_travel": _figures(s.business_travel),
        "commuting": _figures(s.commuting),
        "min_group_size": s.min_group_size,
    }


def _row(r: Row) -> Json:
    return {
        "key": list(r.key),
        "employees": r.employees,
        "figures": _figures(r.figures),
        "other": r.other,
    }


def _read_row(data: Json) -> Row:
    key = tuple(str(k) for k in data["key"])
    return Row(key, int(data["employees"]), _read_figures(data["figures"]), bool(data["other"]))


def _read_summary(data: Json) -> Summary:
    return Summary(
        dimensions=tuple(Dimension(d) for d in data["dimensions"]),
        rows=[_read_row(r) for r in data["rows"]],
        business_travel=_read_figures(data["business_travel"]),
        commuting=_read_figures(data["commuting"]),
        min_group_size=int(data["min_group_size"]),
    )


# --- the points programme -------------------------------------------------------------------


def _avoided(a: AvoidedByCategory) -> Json:
    return {"business_travel": _dec(a.business_travel), "commuting": _dec(a.commuting)}


def _read_avoided(data: Json) -> AvoidedByCategory:
    return AvoidedByCategory(_read_dec(data["business_travel"]), _read_dec(data["commuting"]))


def _programme(p: ProgrammeFigures) -> Json:
    return {
        "date_from": p.date_from.isoformat(),
        "date_to": p.date_to.isoformat(),
        "points": _counts(p.points),
        "point_value": _money(p.point_value),
        "avoided_reference": _avoided(p.avoided_reference),
        "avoided_personal": _avoided(p.avoided_personal),
        "points_follow": p.points_follow,
    }


def _read_programme(data: Json) -> ProgrammeFigures:
    return ProgrammeFigures(
        date_from=date.fromisoformat(data["date_from"]),
        date_to=date.fromisoformat(data["date_to"]),
        points=_read_counts(PointMovements, data["points"]),
        point_value=_read_money(data["point_value"]),
        avoided_reference=_read_avoided(data["avoided_reference"]),
        avoided_personal=_read_avoided(data["avoided_personal"]),
        points_follow=str(data["points_follow"]),
    )


def _position(p: PointsPosition) -> Json:
    return {
        "date_from": p.date_from.isoformat(),
        "date_to": p.date_to.isoformat(),
        "points": _counts(p.points),
        "point_value": _money(p.point_value),
    }


def _read_position(data: Json) -> PointsPosition:
    return PointsPosition(
        date_from=date.fromisoformat(data["date_from"]),
        date_to=date.fromisoformat(data["date_to"]),
        points=_read_counts(PointMovements, data["points"]),
        point_value=_read_money(data["point_value"]),
    )


# --- data quality ---------------------------------------------------------------------------


def _quality(q: DataQuality) -> Json:
    return {
        "date_from": q.date_from.isoformat(),
        "date_to": q.date_to.isoformat(),
        "sources": [_source(s) for s in q.sources],
        "runs": [_run(r) for r in q.runs],
        "activities": q.activities,
        "distances": [
            {"basis": d.basis, "activities": d.activities, "share": _dec(d.share)}
            for d in q.distances
        ],
        "flights": q.flights,
        "flights_without_cabin": q.flights_without_cabin,
        "waiting_records": q.waiting_records,
        "waiting_travellers": q.waiting_travellers,
    }


def _read_quality(data: Json) -> DataQuality:
    return DataQuality(
        date_from=date.fromisoformat(data["date_from"]),
        date_to=date.fromisoformat(data["date_to"]),
        sources=tuple(_read_source(s) for s in data["sources"]),
        runs=tuple(_read_run(r) for r in data["runs"]),
        activities=int(data["activities"]),
        distances=tuple(
            DistanceShare(str(d["basis"]), int(d["activities"]), _read_dec(d["share"]))
            for d in data["distances"]
        ),
        flights=int(data["flights"]),
        flights_without_cabin=int(data["flights_without_cabin"]),
        waiting_records=int(data["waiting_records"]),
        waiting_travellers=int(data["waiting_travellers"]),
    )


def _source(s: SourceQuality) -> Json:
    return {"source": s.source, "connector": s.connector, "runs": s.runs,
            "counts": _counts(s.counts)}  # fmt: skip


def _read_source(data: Json) -> SourceQuality:
    counts = _read_counts(RunCounts, data["counts"])
    return SourceQuality(str(data["source"]), str(data["connector"]), int(data["runs"]), counts)


def _run(r: RunQuality) -> Json:
    return {
        "run_id": r.run_id,
        "started_at": r.started_at.isoformat(),
        "source": r.source,
        "connector": r.connector,
        "file_name": r.file_name,
        "status": r.status.value,
        "counts": _counts(r.counts),
    }


def _read_run(data: Json) -> RunQuality:
    return RunQuality(
        run_id=int(data["run_id"]),
        started_at=datetime.fromisoformat(data["started_at"]),
        source=str(data["source"]),
        connector=str(data["connector"]),
        file_name=str(data["file_name"]),
        status=ImportRunStatus(data["status"]),
        counts=_read_counts(RunCounts, data["counts"]),
    )
