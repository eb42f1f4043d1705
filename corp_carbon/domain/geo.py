"""Great-circle distances, computed in Decimal-free floats then rounded to metres.

Distances are measurements, not money: floats are fine inside the formula, and the result
is handed on as a Decimal rounded to 0.001 km so that every stored figure is exact.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

#: IUGG mean Earth radius, as the methodology prescribes.
EARTH_RADIUS_KM = 6371.0088

_METRE = Decimal("0.001")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> Decimal:
    """Great-circle distance between two points in degrees, in km rounded to the metre."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
    return Decimal(repr(km)).quantize(_METRE, rounding=ROUND_HALF_UP)
