"""Spend-based rows through the import pipeline, on SQLite and PostgreSQL: the ECB rate of the
travel date in the stored trail, and a currency or date without a rate reported on its row
(naming the field and the value) instead of a figure at a guessed 1:1 rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.catalogue.rates import ecb_rates
from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, Assessment
from corp_carbon.db.session import UnitOfWork
from corp_carbon.services.imports.values import RunReport
from tests.integration.test_import_pipeline import _people, _run

COLUMNS = ("record_key", "employee_number", "date", "mode", "amount", "currency")
MAPPING = {"columns": {name: name for name in COLUMNS}}


def _import(uow: UnitOfWork, settings: Settings, tmp_path: Path, rows: list[str]) -> RunReport:
    path = tmp_path / "expenses.csv"
    path.write_text("\n".join([",".join(COLUMNS), *rows]) + "\n", encoding="utf-8")
    _people(uow)
    return _run(uow, settings, "generic-csv", path, mapping=MAPPING)


def _assessed(uow: UnitOfWork) -> dict[str, Assessment | None]:
    with uow:
        rows = uow.session.execute(
            sa.select(Activity.source_record_key, Assessment)
            .outerjoin(Assessment, Assessment.activity_id == Activity.id)
            .order_by(Activity.id)
        ).all()
        uow.session.expunge_all()
    return {str(key).split("#")[0].split("@")[0]: a for key, a in rows}


def test_spend_rows_use_the_ecb_rate_or_say_why_not(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    after = date(ecb_rates().last_date().year + 1, 1, 15)  # past the bundled ECB history
    report = _import(
        uow,
        settings,
        tmp_path,
        [
            "S-1,E1001,2024-03-17,taxi,34.50,EUR",  # Sunday: Friday 15 March, 1 EUR = 1.0892 USD
            "S-2,E1001,2024-03-18,taxi,20.00,XYZ",
            "S-3,E1001,1998-12-30,taxi,20.00,EUR",
            f"S-4,E1001,{after.isoformat()},taxi,20.00,GBP",
        ],
    )
    problems = {(p.field, p.value): p for p in report.problems}
    currency = problems[("currency", "XYZ")]
    assert "the ECB publishes no reference rate" in currency.reason and not currency.rejected
    early = problems[("date", "1998-12-30")]
    assert "start on 1999-01-04" in early.reason and "spend not assessed" in early.reason
    late = problems[("date", after.isoformat())]
    assert "after the last ECB reference rate" in late.reason and not late.rejected

    assessed = _assessed(uow)
    assert assessed["S-2"] is None and assessed["S-3"] is None  # kept, but no figure
    taxi = assessed["S-1"]
    assert taxi is not None and taxi.points == 0
    # 34.50 x 1.0892 = 37.58 USD; x 0.499 kg CO2e per 2021 USD
    assert taxi.kg_co2e == Decimal("18.752")
    conversion = next(s for s in taxi.explanation if s["step"] == "conversion")
    assert "EUR→USD 1.0892 (ECB reference rate of 2024-03-15" in conversion["text"]
    assert "2024-03-17 has no fixing" in conversion["text"]
    assert assessed["S-4"] is not None
