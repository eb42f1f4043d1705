"""The page benchmark's data builder and measurement, at 50 employees: the copies hold
together (every reference lands on a row of its own copy), and every page answers 200."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from benchmarks import bench_pages, page_data

#: (table, column, referenced table): references a copy must keep inside the database.
REFERENCES = (
    ("activities", "employee_id", "employees"),
    ("activities", "journey_id", "journeys"),
    ("activities", "replaced_by_id", "activities"),
    ("assessments", "activity_id", "activities"),
    ("ledger_entries", "transaction_id", "ledger_transactions"),
    ("ledger_entries", "account_id", "ledger_accounts"),
    ("ledger_transactions", "activity_id", "activities"),
    ("redemptions", "hold_transaction_id", "ledger_transactions"),
    ("commute_profiles", "employee_id", "employees"),
)


def test_builds_a_consistent_company_and_measures_every_page(db_url: str, tmp_path: Path) -> None:
    built = page_data.build(db_url, 50, instance=str(tmp_path), say=lambda _: None)

    assert built.rows["employees"] == 50
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            for table, column, target in REFERENCES:
                dangling = conn.scalar(
                    sa.text(
                        f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT "
                        f"EXISTS (SELECT 1 FROM {target} r WHERE r.id = t.{column})"
                    )
                )
                assert dangling == 0, (table, column)
            assert conn.scalar(sa.text("SELECT sum(amount) FROM ledger_entries")) == 0
            copied = conn.scalar(
                sa.text("SELECT count(DISTINCT employee_id) FROM activities WHERE employee_id > 25")
            )
            assert copied and copied > 10  # the replicas have their year too
        figures = bench_pages.employee_figures(engine, built.measured_id)
    finally:
        engine.dispose()
    assert figures["activities"] >= 100
    assert 0.9 * figures["activities"] <= figures["assessments"] <= figures["activities"]
    assert figures["ledger_entries"] > 0

    result = bench_pages.measure(
        db_url, built.measured_id, rounds=1, warmup=0, explain=False, profile=None,
        instance=str(tmp_path), say=lambda _: None,
    )  # fmt: skip
    names = [page.name for page in result["pages"]]
    assert names[0] == "floor"
    assert {"home", "trip detail", "points", "rewards", "api me"} <= set(names)
