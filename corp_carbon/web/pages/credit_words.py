"""What the ledger credited for a trip, in the reader's words: the points after caps, what
they are worth, and which cap cut them. The trip's figures say what it avoided; this says
what it earned, which can be less (caps) or come from an earlier methodology version (a new
version never changes points already issued)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from corp_carbon.db.queries import Credited
from corp_carbon.domain.activities import ActivityView
from corp_carbon.domain.scoring.policy import behaviour_words
from corp_carbon.domain.vocabulary import ActivityStatus
from corp_carbon.web.account_words import money
from corp_carbon.web.i18n import gettext, number

PERIODS = {
    "trip": lambda: gettext("per trip"),
    "day": lambda: gettext("per day"),
    "month": lambda: gettext("per month"),
    "year": lambda: gettext("per year"),
}


@dataclass(frozen=True)
class CreditWords:
    #: "Credited: 120 points (worth €1.20)."
    headline: str
    #: why it differs from the trip's own points, if it does.
    detail: str = ""


def cap_words(code: str) -> str:
    """ "per_month:all" -> "the cap per month for all behaviours together"."""
    period, _, behaviour = code.removeprefix("per_").partition(":")
    when = PERIODS.get(period, lambda: period)()
    return gettext(
        "the cap %(period)s for %(behaviour)s",
        period=when,
        behaviour=gettext(behaviour_words(None if behaviour == "all" else behaviour)),
    )


def credit_words(
    trip: ActivityView, credited: Credited | None, point_value: Decimal, currency: str
) -> CreditWords | None:
    """None when there is nothing to say (no points at stake)."""
    if credited is None:
        if trip.status is ActivityStatus.CONFIRMED and (trip.points or 0) > 0:
            return CreditWords(
                gettext("Not credited."),
                gettext(
                    "A cap had already been reached when this trip was counted (commute trips "
                    "per day, self-reported trips per month, or a points cap of the points "
                    "policy), so it earned nothing."
                ),
            )
        return None
    worth = money(credited.points * point_value, currency)
    headline = gettext(
        "Credited to your account: %(points)s points (worth %(worth)s).",
        points=number(credited.points),
        worth=worth,
    )
    if credited.reversed:
        return CreditWords(
            headline,
            gettext("These points were given back when the trip was cancelled or replaced."),
        )
    if credited.cap:
        return CreditWords(
            headline,
            gettext(
                "%(cap)s was reached: %(before)s points before it.",
                cap=cap_words(credited.cap).capitalize(),
                before=number(credited.uncapped_points or credited.points),
            ),
        )
    if trip.points is not None and credited.points != trip.points:
        if credited.methodology_version is None:
            said = gettext(
                "Credited when the trip was first scored; a later methodology version never "
                "changes points already issued."
            )
        else:
            said = gettext(
                "Credited under methodology version %(version)s when the trip was first "
                "scored; a later version never changes points already issued.",
                version=credited.methodology_version,
            )
        return CreditWords(headline, said)
    return CreditWords(headline)
