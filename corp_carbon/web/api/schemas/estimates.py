"""Bodies of the estimate, compare and trip answers: a trip's figures and its calculation trail."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from corp_carbon.domain.vocabulary import Cabin, DistanceSource, Fuel, Mode


class ExplanationStep(BaseModel):
    """One step of the calculation trail; steps carry their figures as extra fields."""

    model_config = ConfigDict(extra="allow")

    step: str = Field(description="What the step is about: distance, factor, baseline, points …")
    text: str = Field(description="The step in plain words.")


class Estimate(BaseModel):
    """Emissions and points of one trip under one methodology (nothing is stored)."""

    option: str = Field(description="The option in words, e.g. 'Flight, economy'.")
    mode: Mode
    cabin: Cabin | None
    fuel: Fuel | None
    kg_co2e: float = Field(description="Emissions of the trip, kg CO2e.")
    distance_km: float | None
    distance_source: DistanceSource | None
    factor_set: str = Field(description="Id of the factor set used, e.g. desnz-2024.")
    factor_set_version: str
    factor_id: str = Field(description="The publisher's id of the emission factor.")
    factor_value: float
    factor_unit: str | None
    radiative_forcing: bool = Field(description="Whether flight factors include it.")
    haul: str | None = Field(description="Flight haul band, e.g. long_haul; null otherwise.")
    baseline: str | None = Field(description="Code of what the trip is compared with.")
    baseline_description: str | None
    baseline_kg_co2e: float | None
    avoided_kg_co2e: float
    points: int = Field(description="Points the trip would earn.")
    points_rule: str
    methodology_version: int = Field(description="Stored methodology version (0: unstored).")
    explanation: list[ExplanationStep]


class Comparison(BaseModel):
    """Every sensible way to make one trip, lowest emissions first."""

    model_config = ConfigDict(populate_by_name=True)

    origin: str = Field(alias="from", description="Where the trip starts, as given.")
    destination: str = Field(alias="to", description="Where the trip ends, as given.")
    factor_set: str
    methodology_version: int
    options: list[Estimate]
