"""``corp-carbon estimate`` and ``compare``: hypothetical trips, scored without a database."""

from __future__ import annotations

import json

import click

from corp_carbon.catalogue import Catalogue, catalogue_for, methodology_from_settings
from corp_carbon.config import load_settings
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.methodology import Methodology


def _estimate_context() -> tuple[Methodology, Catalogue]:
    settings = load_settings()
    return methodology_from_settings(settings), catalogue_for(settings)


@click.command("estimate")
@click.option("--mode", required=True, help="air, rail, subway, tram, bus, coach, taxi, car, ...")
@click.option("--from", "origin", default=None, help="IATA/ICAO code or place name.")
@click.option("--to", "destination", default=None, help="IATA/ICAO code or place name.")
@click.option("--distance-km", default=None, help="Distance, when no places are given.")
@click.option(
    "--cabin",
    default=None,
    help="Flights: economy, premium_economy, business, first. Trains: standard, first, sleeper.",
)
@click.option("--fuel", default=None, help="petrol, diesel, hybrid, phev, bev, unknown.")
@click.option("--size", default=None, help="small, medium, large, average.")
@click.option(
    "--kind", default="business_travel", show_default=True, help="business_travel or commute."
)
@click.option("--occupants", default=1, show_default=True, type=int, help="People sharing a car.")
@click.option("--nights", default=None, type=int, help="Room-nights, for --mode hotel.")
@click.option("--year", default=None, type=int, help="Year of travel (chooses the factor set).")
@click.option(
    "--grade",
    default=None,
    help="The traveller's travel-policy grade (e.g. director): decides cabin and class credit.",
)
@click.option("--factor-set", default=None, help="e.g. desnz-2024, desnz-2025, epa-2025.")
@click.option(
    "--rf/--no-rf", "radiative_forcing", default=None, help="Radiative forcing for flights."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def estimate_command(
    mode: str,
    origin: str | None,
    destination: str | None,
    distance_km: str | None,
    cabin: str | None,
    fuel: str | None,
    size: str | None,
    kind: str,
    occupants: int,
    nights: int | None,
    year: int | None,
    grade: str | None,
    factor_set: str | None,
    radiative_forcing: bool | None,
    as_json: bool,
) -> None:
    """Emissions and points of one hypothetical trip, with the full explanation."""
    from corp_carbon.domain.scoring.explain import explain
    from corp_carbon.services.scoring.estimates import TripQuery, estimate, to_json

    methodology, catalogue = _estimate_context()
    query = TripQuery(
        mode=mode,
        origin=origin,
        destination=destination,
        distance_km=distance_km,
        cabin=cabin,
        fuel=fuel,
        size=size,
        kind=kind,
        occupants=occupants,
        nights=nights,
        year=year,
        grade=grade,
    )
    try:
        result = estimate(
            query,
            methodology,
            catalogue,
            factor_set=factor_set,
            radiative_forcing=radiative_forcing,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(json.dumps(to_json(result), ensure_ascii=False))
        return
    click.echo(result.summary())
    for number, step in enumerate(explain(result), start=1):
        click.echo(f"  {number:>2}. {step['text']}")


@click.command("compare")
@click.option("--from", "origin", required=True, help="IATA/ICAO code or place name.")
@click.option("--to", "destination", required=True, help="IATA/ICAO code or place name.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def compare_command(origin: str, destination: str, as_json: bool) -> None:
    """Every sensible way to make a trip, lowest emissions first: compare before you book."""
    from corp_carbon.domain.vocabulary import Mode
    from corp_carbon.services.scoring.estimates import compare, ends, to_json

    methodology, catalogue = _estimate_context()
    try:
        options = compare(origin, destination, methodology, catalogue)
        notes = ends(origin, destination, Mode.RAIL)[2]  # how the names were read
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        payload = {
            "from": origin,
            "to": destination,
            "notes": list(notes),
            "options": [to_json(o) for o in options],
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    rows = [to_json(o) for o in options]
    click.echo(f"{origin} -> {destination}  ({rows[0]['factor_set'] if rows else '-'})")
    for note in notes:
        click.echo(f"  note: {note}")
    click.echo(f"  {'option':<26}{'km':>10}{'kg CO2e':>12}{'points':>12}  baseline")
    for row in rows:
        click.echo(
            f"  {row['option']:<26}{row['distance_km']:>10,.0f}{row['kg_co2e']:>12,.3f}"
            f"{row['points']:>12,}  {row['baseline_description'] or '-'}"
        )
