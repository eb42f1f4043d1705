"""Golden files of the whole pipeline: each sample next to the activities and problems it
must produce (status, route, distance and how it was obtained, kg CO2e, points), identical on
SQLite and PostgreSQL. To accept a deliberate change, run with CORP_CARBON_UPDATE_GOLDEN=1
and review the JSON diff like code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, Assessment, Employee
from corp_carbon.db.session import UnitOfWork
from tests.integration.test_import_pipeline import (
    CONCUR,
    NAVAN,
    SURVEY,
    TRAVELPERK,
    _people,
    _run,
)

EXPECTED = Path(__file__).parent / "golden"
#: the order matters: later sources find earlier ones' trips (duplicates)
SAMPLES = [
    ("concur-itinerary", CONCUR),
    ("navan", NAVAN),
    ("travelperk", TRAVELPERK),
    ("commute-survey", SURVEY),
]


def _snapshot(uow: UnitOfWork) -> list[dict[str, object]]:
    with uow:
        rows = uow.session.execute(
            sa.select(Activity, Assessment, Employee.employee_number)
            .join(Employee, Employee.id == Activity.employee_id)
            .outerjoin(
                Assessment,
                sa.and_(Assessment.activity_id == Activity.id, Assessment.comparison.is_(False)),
            )
            .order_by(Activity.id)
        ).all()
        ids = {a.id: n for n, (a, _, _) in enumerate(rows)}
        return [
            {
                "n": ids[a.id],
                "employee": number,
                "key": a.source_record_key.split("@")[0] if a.source_record_key else None,
                "status": a.status.value,
                "kind": a.kind.value,
                "mode": a.mode.value,
                "date": a.travel_date.isoformat(),
                "route": f"{a.origin} > {a.destination}",
                "service": f"{a.carrier or ''}{a.service_number or ''}" or None,
                "cabin": a.cabin.value if a.cabin else None,
                "distance_km": str(a.distance_km) if a.distance_km is not None else None,
                "distance_source": a.distance_source.value if a.distance_source else None,
                "method": a.method.value,
                "replaced_by": ids.get(a.replaced_by_id) if a.replaced_by_id else None,
                "duplicate_of": ids.get(a.duplicate_of_id) if a.duplicate_of_id else None,
                "factor": f"{s.factor_set_id}:{s.factor_id}" if s else None,
                "kg_co2e": str(s.kg_co2e) if s else None,
                "baseline": s.baseline if s else None,
                "points": s.points if s else None,
                "note": a.note,
            }
            for a, s, number in rows
        ]


def test_samples_produce_the_expected_activities_and_problems(
    uow: UnitOfWork, settings: Settings
) -> None:
    _people(uow)
    result: dict[str, object] = {}
    for connector, path in SAMPLES:
        report = _run(uow, settings, connector, path)
        result[connector] = {
            "counts": {k: v for k, v in sorted(report.counts.items()) if v},
            "problems": [p.to_json() for p in report.problems],
        }
    result["activities"] = _snapshot(uow)
    text = json.dumps(result, ensure_ascii=False, indent=1) + "\n"
    golden = EXPECTED / "samples.expected.json"
    if os.environ.get("CORP_CARBON_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        pytest.skip("golden file written")
    assert json.loads(text) == json.loads(golden.read_text(encoding="utf-8"))
