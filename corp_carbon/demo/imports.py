"""Two import runs through the real pipeline, so the demo's imports page has something to show:
a Navan-style export of recent bookings (with the usual faults: a malformed date, an unknown
traveller, a cancellation and a re-sent copy) and then the same file again (all unchanged)."""

from __future__ import annotations

import random
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import Employee
from corp_carbon.db.session import SessionFactory, UnitOfWork
from corp_carbon.domain.vocabulary import ImportTrigger
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest

HEADER = (
    "uuid,bookingId,bookingType,bookingStatus,created,lastModified,cancelledAt,startDate,"
    "endDate,passengers.person.name,passengers.person.email,passengers.person.employeedId,"
    "passengers.person.department,passengers.person.costCenter,origin.airportCode,origin.city,"
    "origin.country,destination.airportCode,destination.city,destination.country,routeType,"
    "segments,cabin,fareClass,vendor,confirmationNumber,etickets,flightMiles,trainMiles,"
    "carbonEmissions,currency,grandTotal,usdGrandTotal,exchangeAmount,exchangeFee,tripUuids"
)
ROUTES = [("LHR", "BER", "BA", "ECONOMY"), ("BER", "PVG", "LH", "BUSINESS"),
          ("PVG", "LHR", "VS", "PREMIUM_ECONOMY"), ("LHR", "JFK", "BA", "ECONOMY"),
          ("BER", "MUC", "LH", "ECONOMY"), ("PVG", "HKG", "CX", "ECONOMY")]  # fmt: skip


def _rows(people: list[tuple[str, str | None, str]], rng: random.Random) -> list[str]:
    rows = []
    for n, (email, number, name) in enumerate(people):
        origin, destination, carrier, cabin = ROUTES[n % len(ROUTES)]
        day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        status = "CANCELED" if n == 3 else "TICKETED"
        rows.append(
            f"demo-{n:04d},NVN-DEMO-{n},FLIGHT,{status},2025-01-02T09:00:00.000Z,"
            f"2025-01-02T09:00:00.000Z,,{day},{day},{name},{email},{number or ''},,,{origin},,,"
            f"{destination},,,ONE_WAY,{origin}>{destination} {carrier}{100 + n} {day}T09:15,"
            f"{cabin},Y,{carrier},DEMO{n:02d},,,,,EUR,{200 + 10 * n}.00,,,,demo-trip-{n}"
        )
    # the usual faults of a real export
    rows.append(rows[0])  # a re-sent copy of the first booking
    rows.append(
        "demo-bad1,NVN-DEMO-B1,FLIGHT,TICKETED,2025-01-02T09:00:00.000Z,"
        "2025-01-02T09:00:00.000Z,,2025-06-31,2025-06-31,Kim Novak,kim.novak@partner.example,,,,"
        "LHR,,,DUB,,,ONE_WAY,LHR>DUB EI155 2025-06-31T07:00,ECONOMY,Y,Aer Lingus,DEMOB1,,,,,"
        "EUR,99.00,,,,demo-trip-b1"
    )
    rows.append(
        "demo-bad2,NVN-DEMO-B2,FLIGHT,TICKETED,2025-01-02T09:00:00.000Z,"
        "2025-01-02T09:00:00.000Z,,2025-07-04,2025-07-04,Kim Novak,kim.novak@partner.example,,,,"
        "LHR,,,DUB,,,ONE_WAY,LHR>DUB EI155 2025-07-04T07:00,ECONOMY,Y,Aer Lingus,DEMOB2,,,,,"
        "EUR,99.00,,,,demo-trip-b2"
    )
    return rows


def import_demo_exports(factory: SessionFactory, settings: Settings, folder: Path) -> None:
    with UnitOfWork(factory) as uow:
        people = [
            (email, number, name)
            for email, number, name in uow.session.execute(
                sa.select(Employee.email, Employee.employee_number, Employee.name)
                .order_by(Employee.id)
                .limit(12)
            )
        ]
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / "navan_bookings_demo.csv"
    lines = [HEADER, *_rows(people, random.Random(11))]
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for started_by in ("schedule:navan-demo", "demo:travel-manager"):
        request = ImportRequest(
            connector="navan",
            path=export,
            file_name=export.name,
            trigger=ImportTrigger.SCHEDULE
            if started_by.startswith("schedule")
            else ImportTrigger.UPLOAD,
            started_by=started_by,
            source="navan-demo",
        )
        run_import(UnitOfWork(factory), settings, request)
