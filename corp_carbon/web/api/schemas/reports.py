"""Bodies of the report API: figures of a period, grouped, small groups merged."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from corp_carbon.domain.reporting import Dimension, Figures


class ReportFigures(BaseModel):
    kg_co2e: float = Field(description="Emissions, kg CO2e (to the gram).")
    avoided_kg_co2e: float = Field(
        description="Avoided against the baselines, kg CO2e: the incentive programme, not an "
        "offset, and never part of the inventory totals."
    )
    points: int = Field(description="Points the activities earned.")
    activities: int = Field(description="Confirmed activities counted.")
    distance_km: float = Field(description="Distance, km (hotel nights count none).")

    @classmethod
    def of(cls, figures: Figures) -> ReportFigures:
        return cls(
            kg_co2e=float(figures.kg_co2e),
            avoided_kg_co2e=float(figures.avoided_kg_co2e),
            points=figures.points,
            activities=figures.activities,
            distance_km=float(figures.distance_km),
        )


class ReportRow(BaseModel):
    key: dict[str, str] = Field(
        description="The row's value of each `group_by` dimension, e.g. "
        '{"month": "2026-03", "mode": "rail"}.'
    )
    other: bool = Field(
        description="The merged row of groups with fewer employees than the minimum group "
        "size (and, when one would be alone, the next smallest), labelled `Other (fewer than "
        "k)` in every dimension."
    )
    employees: int = Field(description="Distinct employees behind the row.")
    figures: ReportFigures


class ReportSummary(BaseModel):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group_by: list[Dimension] = Field(description="The dimensions of the row keys, in order.")
    min_group_size: int = Field(description="k: no shown group has fewer employees.")
    rows: list[ReportRow]
    business_travel: ReportFigures = Field(
        description="GHG Protocol Scope 3 category 6, all of the period's business travel."
    )
    commuting: ReportFigures = Field(
        description="GHG Protocol Scope 3 category 7, all of the period's commuting."
    )
    total: ReportFigures
