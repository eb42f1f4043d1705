"""Bodies of the place suggestions the compare page's form offers while a person types."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class PlaceSuggestion(BaseModel):
    value: str = Field(
        description="What to send as `from` or `to`: reads back as this place "
        "('London (GB)', 'LHR')."
    )
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2 country code.")
    kind: Literal["city", "airport"]


class PlaceSuggestions(BaseModel):
    query: str
    places: list[PlaceSuggestion]
