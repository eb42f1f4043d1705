"""``corp-carbon points simulate`` as text: one column per policy, every figure with its unit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from corp_carbon.domain.points_simulation import (
    COMMUTE_TRIPS_PER_DAY,
    CapLine,
    Simulation,
)
from corp_carbon.domain.scoring.policy import behaviour_words

LABEL_WIDTH = 50
COLUMN_WIDTH = 24


def simulation_text(results: Sequence[Simulation]) -> str:
    """A table a newcomer can read: what was simulated, the figures side by side, then the
    points by behaviour, by department and what the caps removed."""
    first = results[0]
    currency = first.currency
    lines = [
        f"Points policy simulation, {first.date_from} to {first.date_to} ({first.days} days)",
        f"The period's {first.trips:,} confirmed trips, scored again in memory under each "
        "policy: nothing is written and no points are issued.",
        f"Employees counted: every employee with a confirmed trip in the period "
        f"({first.employees:,}), whether they earned or not.",
        f"One point is worth {currency} {first.point_value} ([rewards] point_value).",
        *(f"Policy {r.policy}: {r.title}" for r in results),
        "",
        _row("Policy", [r.policy for r in results]),
    ]
    top = first.top_tenth_employees
    figures: list[tuple[str, Callable[[Simulation], str]]] = [
        ("Points issued", lambda r: f"{r.points:,}"),
        (f"Money value ({currency})", lambda r: _money(r.money)),
        (f"Trips that earned (of {first.trips:,})", lambda r: f"{r.credited_trips:,}"),
        (f"Employees who earned (of {first.employees:,})", lambda r: f"{r.earners:,}"),
        ("Points per employee per year", lambda r: f"{r.points_per_employee_year:,}"),
        (f"Money per employee per year ({currency})", lambda r: _money(r.money_per_employee_year)),
        ("Median points per employee", lambda r: f"{r.median_points:,}"),
        ("Most points of one employee", lambda r: f"{r.max_points:,}"),
        (f"Share held by the top tenth ({_people(top)})", lambda r: f"{r.top_tenth_share} %"),
        ("Avoided by trips that earned (t CO2e)", lambda r: _tonnes(r.avoided_kg)),
        (f"Cost per tonne avoided ({currency}/t)", lambda r: _per_tonne(r.cost_per_tonne)),
        ("Points removed by caps", lambda r: f"{r.capped_points:,}"),
    ]
    lines += [_row(label, [show(r) for r in results]) for label, show in figures]
    lines += _section(
        "Points by behaviour (share of all points)",
        results,
        lambda r: {
            behaviour_words(b.behaviour): f"{b.points:,} ({b.share} %)" for b in r.by_behaviour
        },
    )
    lines += _section(
        f"Points by department (share; departments of fewer than {first.min_group_size} "
        "people merged into Other)",
        results,
        lambda r: {
            (f"Other (fewer than {r.min_group_size})" if d.other else d.department)
            + f", {_people(d.employees)}": f"{d.points:,} ({d.share} %)"
            for d in r.by_department
        },
    )
    lines += _section(
        "Points removed by caps (trips cut)",
        results,
        lambda r: {cap_words(c): f"{c.points:,} ({_trips(c.trips)})" for c in r.capped},
    )
    lines += [
        "",
        "Top tenth: the tenth of employees with the most points (at least one person).",
        "Per year: the period's figures scaled to 365 days. Cost per tonne: the money value "
        "of the points divided by the tonnes of CO2e avoided by the trips that earned them.",
    ]
    return "\n".join(lines)


def cap_words(line: CapLine) -> str:
    """A cap in words: what it allows."""
    if line.counts_trips:
        what = "commute trips" if line.cap == COMMUTE_TRIPS_PER_DAY else "self-reported trips"
        return f"at most {line.limit:,} {what} per {line.period} earn"
    who = behaviour_words(line.behaviour) if line.behaviour else "all behaviours"
    return f"at most {line.limit:,} points per {line.period} ({who})"


def _section(
    title: str, results: Sequence[Simulation], rows: Callable[[Simulation], dict[str, str]]
) -> list[str]:
    columns = [rows(r) for r in results]
    names = list(dict.fromkeys(name for column in columns for name in column))
    lines = ["", title]
    if not names:
        return [*lines, "  (none)"]
    for name in names:
        lines.append(_row("  " + name, [column.get(name, "-") for column in columns]))
    return lines


def _row(label: str, cells: Sequence[str], align: str = ">") -> str:
    if len(label) > LABEL_WIDTH:
        label = label[: LABEL_WIDTH - 1] + "…"
    text = f"{label:<{LABEL_WIDTH}}" + "".join(f"{c:{align}{COLUMN_WIDTH}}" for c in cells)
    return text.rstrip()


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n:,} people"


def _trips(n: int) -> str:
    return f"{n:,} trip" if n == 1 else f"{n:,} trips"


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _tonnes(kg: Decimal) -> str:
    return f"{kg / 1000:,.3f}"


def _per_tonne(amount: Decimal | None) -> str:
    return "-" if amount is None else _money(amount)
