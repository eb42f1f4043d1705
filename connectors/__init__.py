"""Connectors read travel-booking exports into normalised records (see ``connectors.base``).

``REGISTRY`` maps each connector's name to the module that defines it; modules load on first
use, so listing the names costs nothing.
"""

from __future__ import annotations

import importlib

from connectors.base import Connector, ConnectorOptions

#: connector name -> module under ``connectors`` holding a class ``<module>.CONNECTOR``.
REGISTRY: dict[str, str] = {
    "concur-itinerary": "concur_itinerary",
    "concur-sae": "concur_sae",
    "navan": "navan",
    "travelperk": "travelperk",
    "commute-survey": "commute_survey",
    "generic-csv": "generic_csv",
}


class UnknownConnector(LookupError):
    pass


def connector_class(name: str) -> type[Connector]:
    try:
        module = REGISTRY[name]
    except KeyError:
        accepted = ", ".join(REGISTRY)
        raise UnknownConnector(f"unknown connector {name!r}; accepted: {accepted}") from None
    cls: type[Connector] = importlib.import_module(f"connectors.{module}").CONNECTOR
    return cls


def get_connector(name: str, options: ConnectorOptions | None = None) -> Connector:
    return connector_class(name)(options)


__all__ = ["REGISTRY", "Connector", "ConnectorOptions", "UnknownConnector", "get_connector"]
