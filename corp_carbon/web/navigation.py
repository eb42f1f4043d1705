"""The employee's menu, built from one list so every page's header names the same places.

Each entry names its page by endpoint. An endpoint that is not registered (a page being built
in another change, or one a host application left out) is skipped rather than breaking every
page with a ``BuildError``, so the menu fills in as pages arrive. On a phone the first
``PHONE_BAR`` entries stay in view and the rest fold under "More" (a ``<details>``, no script).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app, request, url_for

from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.web.i18n import gettext

#: how many entries stay in view on a phone; the others fold under "More".
PHONE_BAR = 4


@dataclass(frozen=True)
class Place:
    """One menu entry: the endpoint it opens, its words, who sees it, and the endpoints
    (prefixes) that count as "this page" for ``aria-current``."""

    endpoint: str
    words: Callable[[], str]
    roles: tuple[Role, ...] = ()
    current_for: tuple[str, ...] = ()


#: the employee's places, most used first (the phone bar shows the first ``PHONE_BAR``).
PLACES: tuple[Place, ...] = (
    Place("carbon.home", lambda: gettext("My account")),
    Place("carbon.trips", lambda: gettext("Trips"), current_for=("carbon.trip",)),
    Place("carbon.commute", lambda: gettext("Commute"), current_for=("carbon.commute",)),
    Place("carbon.rewards", lambda: gettext("Rewards"), current_for=("carbon.reward",)),
    Place("carbon.compare", lambda: gettext("Compare")),
    Place("carbon.points", lambda: gettext("Points")),
    Place("carbon.my_data", lambda: gettext("My data"), current_for=("carbon.my_data",)),
    Place("carbon.team", lambda: gettext("Team")),
    Place(
        "carbon.admin_overview",
        lambda: gettext("Admin"),
        roles=(Role.HR, Role.SUSTAINABILITY, Role.ADMIN),
        current_for=("carbon.admin_", "carbon.redemption_desk", "carbon.redemption_decide"),
    ),
)


@dataclass(frozen=True)
class Link:
    """A menu entry as the template draws it."""

    href: str
    words: str
    current: bool


def register(bp: Blueprint) -> None:
    bp.app_context_processor(lambda: {"menu_links": menu_links, "phone_bar": PHONE_BAR})


def menu_links(employee: EmployeeProfile | None) -> list[Link]:
    """The places ``employee`` may open, in menu order; none for a visitor."""
    if employee is None:
        return []
    known = current_app.view_functions
    shown = request.endpoint or ""
    links = []
    for place in PLACES:
        if place.endpoint not in known:
            continue
        if place.roles and not employee.has_any_role(*place.roles):
            continue
        current = shown == place.endpoint or (
            bool(place.current_for) and shown.startswith(place.current_for)
        )
        links.append(Link(url_for(place.endpoint), place.words(), current))
    return links
