"""The figures of the company overview arranged for its template: each breakdown's bars and
table rows, every number formatted the way people read it.

Nothing here queries anything (``overview.py`` fetches) and no sentence is written here:
the words people read, chart titles included, stay in the template where they are marked
for translation. Labels that are data (department and office names, months, modes in the
vocabulary's words) come from here, in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from corp_carbon.domain.periods import Period, month_label
from corp_carbon.domain.programme import Money
from corp_carbon.domain.reporting import NO_DEPARTMENT, NO_OFFICE, Dimension, Row, Summary
from corp_carbon.domain.vocabulary import Mode
from corp_carbon.domain.vocabulary import label as vocabulary_label
from corp_carbon.web.charts import Bar
from corp_carbon.web.i18n import gettext, month_names

#: ISO 4217 currencies without minor units (the others show cents).
WHOLE_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND",
     "VUV", "XAF", "XOF", "XPF"}
)  # fmt: skip
GRAM = Decimal("0.001")
TENTH = Decimal("0.1")


def tonnes(kg: Decimal) -> str:
    """kg as tonnes to the kilogram: 816 kg -> "0.816"."""
    return f"{(kg / 1000).quantize(GRAM, rounding=ROUND_HALF_UP):,}"


def kilograms(kg: Decimal) -> str:
    return f"{kg.quantize(GRAM, rounding=ROUND_HALF_UP):,}"


def whole(n: int) -> str:
    return f"{n:,}"


def money(amount: Money, *, exact: bool = False) -> str:
    """ "EUR 1,234.57"; ``exact`` keeps every decimal of the amount ("EUR 1.375")."""
    value = amount.amount
    if not exact:
        places = Decimal(1) if amount.currency in WHOLE_CURRENCIES else Decimal("0.01")
        value = value.quantize(places, rounding=ROUND_HALF_UP)
    return f"{amount.currency} {value:,}"


def percent(part: Decimal | int, of: Decimal | int) -> str:
    """ "36.4 %"; a share of nothing is a dash."""
    if not of:
        return "—"
    value = (Decimal(part) * 100 / Decimal(of)).quantize(TENTH, rounding=ROUND_HALF_UP)
    return f"{value} %"


@dataclass(frozen=True, slots=True)
class EmissionRow:
    """One table row of a breakdown; ``other`` marks the merged small groups."""

    label: str
    tonnes: str
    share: str
    activities: str
    people: str
    distance_km: str
    other: bool = False


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A one-dimension summary as chart bars (columns for months) and table rows."""

    dimension: Dimension
    bars: tuple[Bar, ...]
    rows: tuple[EmissionRow, ...]

    @property
    def key(self) -> str:
        return self.dimension.value

    @property
    def by_month(self) -> bool:
        return self.dimension is Dimension.MONTH


def _label(dimension: Dimension, row: Row) -> str:
    text = row.key[0]
    if row.other:
        return text
    if dimension is Dimension.MODE:
        return gettext(vocabulary_label(text))
    if dimension is Dimension.MONTH:
        return _month(text)[0]
    if dimension is Dimension.HAUL_CABIN:  # "Long-haul · Economy": each part a label
        return " · ".join(gettext(part) for part in text.split(" · "))
    if text in (NO_DEPARTMENT, NO_OFFICE):
        return gettext(text)
    return text  # a department's or an office's own name


def _month(key: str) -> tuple[str, str, str]:
    """A month's (name, month alone, year alone) in the page's language."""
    return month_names(key, month_label(key))


def _is_hotel(dimension: Dimension, row: Row) -> bool:
    """Hotel nights have no distance: their row shows a dash, not 0 km."""
    return dimension is Dimension.MODE and not row.other and row.key[0] == Mode.HOTEL.value


def _t(kg: Decimal) -> str:
    return f"{tonnes(kg)}\u00a0t"


def breakdown(summary: Summary, period: Period) -> Breakdown:
    """Rows and bars largest first, Other last; by month, every month of the period in order
    (a month without a row gets no bar: no trips, or merged into Other)."""
    (dimension,) = summary.dimensions
    total = summary.total.kg_co2e
    in_order = list(summary.rows)
    if dimension is not Dimension.MONTH:  # largest first, like the bars; Other stays last
        in_order.sort(key=lambda r: (r.other, -r.figures.kg_co2e, r.key))
    rows = tuple(
        EmissionRow(
            label=_label(dimension, r),
            tonnes=tonnes(r.figures.kg_co2e),
            share=percent(r.figures.kg_co2e, total),
            activities=whole(r.figures.activities),
            people=whole(r.employees),
            distance_km="—" if _is_hotel(dimension, r) else kilograms(r.figures.distance_km),
            other=r.other,
        )
        for r in in_order
    )
    others = [r for r in summary.rows if r.other]
    other = gettext("Other (fewer than %(k)s)", k=summary.min_group_size)
    if dimension is Dimension.MONTH:
        shown = {r.key[0]: r.figures.kg_co2e for r in summary.rows if not r.other}
        bars = []
        for m in period.months():
            name, month, year = _month(m)
            kg = shown.get(m)
            value, text = (kg / 1000, _t(kg)) if kg is not None else (None, "—")
            bars.append(Bar(name, value, text, axis=(month, year)))
    else:
        bars = [
            Bar(_label(dimension, r), r.figures.kg_co2e, _t(r.figures.kg_co2e))
            for r in in_order
            if not r.other
        ]
    scale = 1000 if dimension is Dimension.MONTH else 1  # the month columns are in tonnes
    bars += [
        Bar(other, r.figures.kg_co2e / scale, _t(r.figures.kg_co2e), muted=True) for r in others
    ]
    return Breakdown(dimension, tuple(bars), rows)
