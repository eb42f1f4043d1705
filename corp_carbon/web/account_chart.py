"""The carbon account's 12-month chart: one column a month, business travel below and
commuting stacked on it, as server-rendered SVG.

It follows ``web.charts``: no JavaScript, an ``<svg role="img">`` named by its ``<title>``
and ``<desc>``, a ``<title>`` on every column with both figures, drawn in a phone-wide
``viewBox``. The two parts differ in colour and in fill (commuting is hatched), so they are
told apart without colour; the legend is HTML beside the chart (it wraps and translates like
any text), and the page shows the same figures in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from corp_carbon.web.charts import GRID, INK, WIDTH, nice_ceiling

#: business travel: the product's green (5.6:1 on white); commuting: blue (5.3:1), hatched.
BUSINESS = "#1f7a4d"
COMMUTE = "#2f5f9e"
#: from this many kg up the axis counts tonnes.
TONNES_FROM = 10_000


@dataclass(frozen=True, slots=True)
class Column:
    """One month: its name as people read it, its two axis lines, and the two parts (None:
    no column, e.g. a month still to come)."""

    label: str
    axis: tuple[str, str]
    business: Decimal | None
    commute: Decimal | None
    #: what the column's tooltip says ("Business travel 12.3 kg CO2e, commuting 1.1 kg CO2e").
    text: str


def _html(template: str, *args: object, **named: object) -> Markup:
    """``Markup(template).format(...)``, each value escaped the same way, at a tenth of the
    cost: markupsafe formats through Python's pure-Python ``string.Formatter``, and the chart
    fills about sixty templates on every home page."""
    values = {name: escape(v) for name, v in named.items()}
    # every value is escaped above; the template is this module's own constant text
    return Markup(template.format(*map(escape, args), **values))  # noqa: S704  # nosec B704


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _tick(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def account_chart(
    columns: Sequence[Column],
    *,
    chart_id: str,
    title: str,
    desc: str,
    unit_kg: str,
    unit_t: str,
) -> Markup:
    """Stacked columns left to right, a value axis with three grid lines in kg (``unit_kg``)
    or, when the tallest column reaches ``TONNES_FROM`` kg, in tonnes (``unit_t``)."""
    left, right, top_pad, bottom = 40, 4, 18, 34
    plot_h = 150
    height = top_pad + plot_h + bottom
    slot = (WIDTH - left - right) / max(len(columns), 1)
    tallest = max((float((c.business or 0) + (c.commute or 0)) for c in columns), default=0.0)
    scale = 1000.0 if tallest >= TONNES_FROM else 1.0
    ceiling = nice_ceiling(tallest / scale)
    parts = [
        _html(
            '<svg class="chart columns account" id="{id}" role="img" viewBox="0 0 {w} {h}" '
            'width="100%" aria-labelledby="{id}-title {id}-desc" '
            'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">',
            id=chart_id,
            w=WIDTH,
            h=height,
        ),
        _html('<title id="{}-title">{}</title>', chart_id, title),
        _html('<desc id="{}-desc">{}</desc>', chart_id, desc),
        _html(
            '<defs><pattern id="{id}-hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="5" height="5" fill="{c}"/>'
            '<rect width="1.6" height="5" fill="#ffffff" fill-opacity=".55"/></pattern></defs>',
            id=chart_id,
            c=COMMUTE,
        ),
        _html(
            '<text x="{}" y="11" font-size="11" fill="{}">{}</text>',
            left,
            INK,
            unit_t if scale > 1 else unit_kg,
        ),
    ]
    for tick in (0.0, ceiling / 2, ceiling):
        y = _fmt(top_pad + plot_h - plot_h * tick / ceiling)
        parts.append(
            _html(
                '<line x1="{l}" x2="{r}" y1="{y}" y2="{y}" stroke="{g}" stroke-width="1"/>'
                '<text x="{at}" y="{below}" font-size="11" text-anchor="end" fill="{ink}">'
                "{text}</text>",
                l=left,
                r=WIDTH - right,
                y=y,
                g=GRID,
                at=left - 4,
                below=_fmt(float(y) + 4),
                ink=INK,
                text=_tick(tick),
            )
        )
    word = '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>'
    for i, c in enumerate(columns):
        x = left + i * slot
        parts.append(_html("<g><title>{}: {}</title>", c.label, c.text))
        base = float(top_pad + plot_h)
        for value, fill in (
            (c.business, BUSINESS),
            (c.commute, _html("url(#{}-hatch)", chart_id)),
        ):
            if value is None or value <= 0:
                continue
            h = max(plot_h * float(value) / scale / ceiling, 1.0)
            parts.append(
                _html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    _fmt(x + slot * 0.15),
                    _fmt(base - h),
                    _fmt(slot * 0.7),
                    _fmt(h),
                    fill,
                )
            )
            base -= h + 0.75  # a hairline of white between the two parts
        centre = _fmt(x + slot / 2)
        parts.append(_html(word, centre, top_pad + plot_h + 14, INK, c.axis[0]))
        if i == 0 and c.axis[1]:
            parts.append(_html(word, centre, top_pad + plot_h + 28, INK, c.axis[1]))
        parts.append(Markup("</g>"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
