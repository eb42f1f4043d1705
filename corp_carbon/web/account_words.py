"""The carbon account in words, in the page's language: money, a trip's one line, the months
of the chart. Shared by the home page and the widget, so both say a trip the same way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from babel.dates import format_skeleton
from babel.numbers import format_currency
from flask import current_app, url_for
from flask_babel import get_locale
from markupsafe import Markup

from corp_carbon.domain.account import PeriodFigures
from corp_carbon.domain.activities import ActivityView
from corp_carbon.web.account_chart import Column, account_chart
from corp_carbon.web.i18n import gettext, kg, month_names
from corp_carbon.web.pages.trip_words import route


def money(amount: Decimal, currency: str) -> str:
    """An amount as the page's language writes money: "€14.02", "€14.02" in Chinese too."""
    return format_currency(amount, currency, locale=get_locale() or "en")


def endpoint_url(endpoint: str) -> str | None:
    """The URL of a page another part of the product may add (``carbon.commute``), or None
    while it does not exist, so a link to it appears only once it can be followed."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint)


def trip_line(trip: ActivityView) -> str:
    """What the trip was, in a few words, as the trips page says it ("Flight: London
    Heathrow (LHR) → Dublin (DUB)", "Hotel in Dublin"); never a "?" for a missing place."""
    return route(trip)


def month_label(period: str, *, short: bool = False) -> str:
    """A month ("2026-03") in words: "March 2026", "2026年3月"; short: "Mar", "3月"."""
    year, month = (int(part) for part in period.split("-"))
    skeleton = "MMM" if short else "yMMMM"
    return format_skeleton(skeleton, date(year, month, 1), locale=get_locale() or "en")


def month_chart(months: Sequence[PeriodFigures], *, chart_id: str, year: int) -> Markup:
    """The 12 months of ``year``: footprint of business travel and commuting, stacked."""
    columns = []
    for m in months:
        year_number, month_number = (int(part) for part in m.period.split("-"))
        english = date(year_number, month_number, 1).strftime("%b %Y")
        name, short, year_word = month_names(m.period, english)
        if not m.empty:
            text = gettext(
                "business travel %(business)s, commuting %(commute)s",
                business=kg(m.business.kg_co2e),
                commute=kg(m.commute.kg_co2e),
            )
        else:
            text = gettext("no trips")
        columns.append(
            Column(
                label=name,
                axis=(short, year_word),
                business=None if m.empty else m.business.kg_co2e,
                commute=None if m.empty else m.commute.kg_co2e,
                text=text,
            )
        )
    total = sum((m.total.kg_co2e for m in months), Decimal(0))
    return account_chart(
        columns,
        chart_id=chart_id,
        title=gettext("Carbon footprint month by month, %(year)s", year=year),
        desc=gettext(
            "Columns for January to December: business travel below, commuting (hatched) on "
            "top; %(total)s in all. The table after the chart gives every figure.",
            total=kg(total),
        ),
        unit_kg=gettext("kg CO2e"),
        unit_t=gettext("t CO2e"),
    )
