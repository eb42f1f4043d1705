"""``corp-carbon points simulate`` and its service on a real database: the fixture period's
figures, exactly, under a policy file; the current policy beside it with --compare; JSON;
a bad policy file named with its entry; and nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from corp_carbon.cli.points import points
from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, Assessment, LedgerTransaction, MethodologyVersion
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ActivityKind, Fuel, Mode, Verification
from corp_carbon.services.scoring.simulation import (
    policy_from_file,
    policy_from_upload,
    simulate_policies,
)
from tests import simulation_fixture as fx
from tests.conftest import make_settings

PERIOD = ["--from", fx.FIRST.isoformat(), "--to", fx.LAST.isoformat()]
#: kg CO2e the fixture's earning trips avoid against the reference car (the DESNZ set of
#: 2026, average car of unknown fuel), as the scorer computes them: the golden figure.
AVOIDED_KG = Decimal("8.572")


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        # the current policy: 1 point per gram (the fixture's policy comes from a file)
        methodology={"points_rule": "avoided_grams"},
        privacy={"min_group_size": fx.MIN_GROUP_SIZE},
        rewards={"point_value": str(fx.POINT_VALUE), "point_currency": "EUR"},
    )


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "test-2026.toml"
    path.write_text(fx.POLICY_TOML, encoding="utf-8")
    return path


@pytest.fixture
def commutes(uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]) -> None:
    ids = {key: create_employee(name=f"Person {key}").id for key in sorted(fx.DEPARTMENTS)}
    with uow:
        for c in fx.COMMUTES:
            uow.session.add(
                Activity(
                    employee_id=ids[c.employee], kind=ActivityKind.COMMUTE, mode=Mode(c.mode),
                    fuel=Fuel(c.fuel) if c.fuel else None, distance_km=Decimal(c.km),
                    travel_date=fx.FIRST.replace(day=c.day),
                    department=fx.DEPARTMENTS[c.employee],
                    verification=Verification.SELF_REPORTED,
                )
            )  # fmt: skip
        uow.session.flush()
        uow.commit()


def _counts(uow: UnitOfWork) -> tuple[int, ...]:
    with uow:
        return tuple(
            uow.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (Activity, Assessment, LedgerTransaction, MethodologyVersion)
        )


def test_the_fixture_period_gives_the_golden_figures_and_writes_nothing(
    uow: UnitOfWork, settings: Settings, commutes: None, policy_file: Path
) -> None:
    before = _counts(uow)
    (result,) = simulate_policies(uow, settings, fx.FIRST, fx.LAST, [policy_from_file(policy_file)])
    assert _counts(uow) == before
    assert (result.policy, result.points, result.money) == ("test-2026", fx.POINTS, Decimal("5.70"))
    assert (result.trips, result.credited_trips, result.employees, result.earners) == (12, 10, 7, 6)
    assert [(b.behaviour, b.points, str(b.share)) for b in result.by_behaviour] == fx.BY_BEHAVIOUR
    shown = [(d.department, d.employees, d.points, str(d.share)) for d in result.by_department]
    assert shown[:-1] == fx.BY_DEPARTMENT
    other = result.by_department[-1]
    assert other.other and (other.employees, other.points, str(other.share)) == fx.OTHER_DEPARTMENTS
    assert str(result.top_tenth_share) == fx.TOP_TENTH_SHARE
    assert (result.median_points, result.max_points) == (fx.MEDIAN, 300)
    assert [(c.cap, c.points, c.trips) for c in result.capped] == fx.CAPPED
    assert result.points_per_employee_year == fx.PER_EMPLOYEE_YEAR
    assert result.money_per_employee_year == fx.MONEY_PER_EMPLOYEE_YEAR
    assert result.avoided_kg == AVOIDED_KG
    assert result.cost_per_tonne == (Decimal("5.70") / AVOIDED_KG * 1000).quantize(Decimal("0.01"))


def test_the_cli_prints_a_table_with_units_and_the_current_policy_beside_the_file(
    app: Flask, commutes: None, policy_file: Path
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(points, ["simulate", "--policy", str(policy_file), "--compare",
                                    "avoided_grams", *PERIOD])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Points policy simulation, 2026-03-01 to 2026-03-31 (31 days)"
    assert "nothing is written and no points are issued" in result.output
    assert "every employee with a confirmed trip in the period (7)" in result.output
    assert "One point is worth EUR 0.01" in result.output
    row = {line[:50].strip(): line[50:].split() for line in lines if line[50:].strip()}
    assert row["Policy"] == ["test-2026", "avoided_grams"]
    assert row["Points issued"][0] == "570"
    assert row["Money value (EUR)"][0] == "5.70"
    assert row["Share held by the top tenth (1 person)"][0:2] == ["52.6", "%"]
    assert row["Median points per employee"][0] == "50"
    assert row["Points removed by caps"][0] == "210"
    assert row["cycling to work"][0:2] == ["400", "(70.2"]
    assert row["Other (fewer than 2), 2 people"][0:2] == ["130", "(22.8"]
    assert row["at most 150 points per day (all behaviours)"][0:2] == ["100", "(2"]
    assert row["at most 2 commute trips per day earn"][0:2] == ["100", "(1"]
    # 1 point per gram: the same trips at EUR 10 a kg
    assert row["Cost per tonne avoided (EUR/t)"] == [
        f"{Decimal('5.70') / AVOIDED_KG * 1000:,.2f}",
        "10,000.00",
    ]
    assert "Top tenth: the tenth of employees with the most points" in result.output


def test_the_cli_without_policy_simulates_the_current_one_and_prints_json(
    app: Flask, commutes: None, policy_file: Path
) -> None:
    runner = app.test_cli_runner()
    alone = runner.invoke(points, ["simulate", *PERIOD, "--json"])
    assert alone.exit_code == 0, alone.output
    data = json.loads(alone.output)
    assert data["policy"] == "avoided_grams"
    assert data["employees_counted"] == "every employee with a confirmed trip in the period"
    both = runner.invoke(points, ["simulate", "--compare", str(policy_file), *PERIOD, "--json"])
    assert both.exit_code == 0, both.output
    current, compared = json.loads(both.output)["policies"]
    assert current == data
    assert (compared["policy"], compared["points"], compared["money"]) == ("test-2026", 570, "5.70")
    assert compared["capped"][1] == {
        "cap": "per_day:all", "period": "day", "behaviour": "all", "limit": 150,
        "limit_of": "points", "points": 100, "trips": 2,
    }  # fmt: skip
    assert compared["top_tenth_share_percent"] == "52.6"


def test_a_bad_policy_file_is_an_error_naming_the_file_and_the_entry(
    app: Flask, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(fx.POLICY_TOML.replace('per = "km"', 'per = "mile"'), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(points, ["simulate", "--policy", str(bad), *PERIOD])
    assert result.exit_code == 1
    assert f"--policy: {bad}: rate 4: per 'mile': accepted: kg, km, trip" in result.output
    missing = runner.invoke(points, ["simulate", "--compare", "nowhere.toml", *PERIOD])
    assert missing.exit_code == 1 and "--compare: nowhere.toml: no such file" in missing.output
    unknown = runner.invoke(points, ["simulate", "--compare", "nonsense", *PERIOD])
    assert "--compare: points policy 'nonsense': not a file, nor a known rule" in unknown.output
    assert "avoided_grams" in unknown.output and "wuhan-2024" in unknown.output
    backwards = runner.invoke(points, ["simulate", "--from", "2026-03-31", "--to", "2026-03-01"])
    assert backwards.exit_code == 1 and "after to 2026-03-01" in backwards.output


def test_an_uploaded_policy_names_itself_in_its_errors() -> None:
    with pytest.raises(DomainError, match=r"^mine\.toml: not valid TOML"):
        policy_from_upload("mine.toml", b"id = ")
    with pytest.raises(DomainError, match=r"^mine\.toml: rate 1: behaviour 'flying'"):
        policy_from_upload("mine.toml", b'id = "x"\n[[rates]]\nbehaviour = "flying"\n')
    assert policy_from_upload("ok.toml", fx.POLICY_TOML.encode()).rule == "test-2026"
