"""Charts as server-rendered SVG: a horizontal bar chart and a column chart by month.

Pure functions from figures to markup: no JavaScript, nothing fetched. Each chart is an
``<svg role="img">`` named by its ``<title>`` and ``<desc>`` (what a screen reader says) and
every bar carries its own ``<title>`` (the figure on hover). The page shows the same figures
in a table right after each chart, so nothing is only in the picture.

A chart is drawn in a ``viewBox`` about as wide as a phone and scales with its box: at 390 px
the text stays about its drawn size, and the CSS caps how far it grows on a wide screen.
Labels are written above the bars (not beside them), so a long department name gets the
whole width instead of squeezing the bars.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup

#: drawn width of every chart, in SVG units (about a phone's width in CSS px).
WIDTH = 360
#: bar colour on white: 5.6:1 contrast; the merged "Other" bar 4.9:1; text 14:1.
BAR = "#1f7a4d"
MUTED_BAR = "#5f6f67"
INK = "#1d2a24"
GRID = "#c9d3cd"
LABEL_CHARS = 52


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its value (None: no bar, e.g. a month hidden or without data) and
    the value as people read it ("0.816 t")."""

    label: str
    value: Decimal | int | None
    text: str
    #: drawn in grey: the merged "Other (fewer than k)" row.
    muted: bool = False
    #: a column's two lines under it, e.g. ("3月", "2026年"); None: the label's first word and
    #: the rest ("Mar", "2026" of "Mar 2026").
    axis: tuple[str, str] | None = None


def _number(value: Decimal | int | None) -> float:
    return max(0.0, float(value)) if value is not None else 0.0


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn: 0.58 em a character (digits and lower case)."""
    return len(text) * size * 0.58


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _open(chart_id: str, height: float, title: str, desc: str, kind: str) -> list[Markup]:
    return [
        Markup(
            '<svg class="chart {kind}" id="{id}" role="img" viewBox="0 0 {w} {h}" width="100%" '
            'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg" '
            'font-family="system-ui, sans-serif">'
        ).format(kind=kind, id=chart_id, w=WIDTH, h=_fmt(height)),
        Markup('<title id="{}-title">{}</title>').format(chart_id, title),
        Markup('<desc id="{}-desc">{}</desc>').format(chart_id, desc),
    ]


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, desc: str) -> Markup:
    """Horizontal bars, longest = the largest value; each label above its bar and the value
    right after it."""
    row, label_h, bar_h = 40, 16, 14
    value_room = 84  # room after the longest bar for its value ("12,345.678 t"); longer
    # values go inside the bar, in white (5.6:1 on the bar's green)
    top = max((_number(b.value) for b in bars), default=0.0)
    height = max(row * len(bars), row) + 4
    parts = _open(chart_id, height, title, desc, "bars")
    for i, b in enumerate(bars):
        y = i * row + 2
        share = _number(b.value) / top if top else 0.0
        width = (WIDTH - value_room) * share
        parts.append(Markup("<g><title>{}: {}</title>").format(b.label, b.text))
        parts.append(
            Markup('<text x="0" y="{}" font-size="13" fill="{}">{}</text>').format(
                _fmt(y + 12), INK, _short(b.label)
            )
        )
        if _number(b.value) > 0:  # nothing or zero: no bar, the value beside says which
            parts.append(
                Markup('<rect x="0" y="{}" width="{}" height="{}" rx="2" fill="{}"/>').format(
                    _fmt(y + label_h + 2),
                    _fmt(max(width, 1.5)),
                    bar_h,
                    MUTED_BAR if b.muted else BAR,
                )
            )
        inside = (
            width + 6 + _text_width(b.text, 12) > WIDTH and width > _text_width(b.text, 12) + 12
        )
        parts.append(
            Markup('<text x="{}" y="{}" font-size="12" fill="{}"{}>{}</text></g>').format(
                _fmt(width - 6 if inside else width + 6),
                _fmt(y + label_h + 13),
                "#ffffff" if inside else INK,
                Markup(' text-anchor="end"') if inside else "",
                b.text,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (axis top)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power


def _axis(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def column_chart(
    columns: Sequence[Bar], *, chart_id: str, title: str, desc: str, unit: str
) -> Markup:
    """Columns left to right (months), a value axis with three grid lines in ``unit``.

    Labels under the columns are the first word of each label ("Mar" of "Mar 2026"), or the
    first line of its ``axis``; the year goes under the first labelled column and wherever it
    changes (every January). With more than 12 columns only every n-th is labelled, so the
    labels never overlap.
    """
    left, right, top_pad, bottom = 40, 4, 16, 34
    plot_h = 150
    height = top_pad + plot_h + bottom
    n = max(len(columns), 1)
    slot = (WIDTH - left - right) / n
    ceiling = nice_ceiling(max((_number(c.value) for c in columns), default=0.0))
    parts = _open(chart_id, height, title, desc, "columns")
    parts.append(
        Markup('<text x="{}" y="10" font-size="11" fill="{}">{}</text>').format(left, INK, unit)
    )
    for tick in (0.0, ceiling / 2, ceiling):
        y = _fmt(top_pad + plot_h - plot_h * tick / ceiling)
        parts.append(
            Markup(
                '<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="{grid}" '
                'stroke-width="1"/>'
                '<text x="{at}" y="{below}" font-size="11" text-anchor="end" fill="{ink}">'
                "{text}</text>"
            ).format(
                left=left,
                right=WIDTH - right,
                y=y,
                grid=GRID,
                at=left - 4,
                below=_fmt(float(y) + 4),
                ink=INK,
                text=_axis(tick),
            )
        )
    every = math.ceil(n / 12)
    word = Markup('<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>')
    year_shown = ""
    for i, c in enumerate(columns):
        x = left + i * slot
        parts.append(Markup("<g><title>{}: {}</title>").format(c.label, c.text))
        if c.value is not None:
            h = plot_h * _number(c.value) / ceiling
            parts.append(
                Markup('<rect x="{}" y="{}" width="{}" height="{}" rx="1.5" fill="{}"/>').format(
                    _fmt(x + slot * 0.15),
                    _fmt(top_pad + plot_h - h),
                    _fmt(slot * 0.7),
                    _fmt(max(h, 0.5)),
                    MUTED_BAR if c.muted else BAR,
                )
            )
        first_word, rest = c.axis if c.axis else c.label.partition(" ")[::2]
        centre = _fmt(x + slot / 2)
        if i % every == 0:
            parts.append(word.format(centre, top_pad + plot_h + 14, INK, first_word))
            if rest and rest != year_shown:
                parts.append(word.format(centre, top_pad + plot_h + 28, INK, rest))
                year_shown = rest
        parts.append(Markup("</g>"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
