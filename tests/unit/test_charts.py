"""Server-rendered SVG charts: well-formed, named for screen readers, bars in proportion,
and every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from markupsafe import Markup

from corp_carbon.web.account_chart import _html
from corp_carbon.web.charts import Bar, bar_chart, column_chart, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - the charts module's own output


def test_a_bar_chart_is_an_image_named_by_its_title_and_description() -> None:
    svg = _parse(bar_chart([Bar("Rail", 5, "5 t")], chart_id="c1", title="By mode", desc="Why"))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.get("viewBox", "").startswith("0 0 360 ")
    assert svg.find(f"{SVG}title").text == "By mode"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == "Why"  # type: ignore[union-attr]


def test_bars_are_in_proportion_and_the_merged_group_is_grey() -> None:
    bars = [Bar("A", Decimal("100"), "100"), Bar("B", 25, "25"), Bar("Other", 50, "50", True)]
    svg = _parse(bar_chart(bars, chart_id="c", title="t", desc="d"))
    rects = svg.findall(f".//{SVG}rect")
    widths = [float(r.get("width", "0")) for r in rects]
    assert widths[0] == 276  # the largest takes the width less the room for its value
    assert widths[1] == widths[0] / 4 and widths[2] == widths[0] / 2
    assert [r.get("fill") for r in rects] == ["#1f7a4d", "#1f7a4d", "#5f6f67"]
    assert [g.find(f"{SVG}title").text for g in svg.findall(f"{SVG}g")] == [  # type: ignore[union-attr]
        "A: 100",
        "B: 25",
        "Other: 50",
    ]


def test_a_value_too_long_for_the_room_goes_inside_its_bar_in_white() -> None:
    svg = _parse(bar_chart([Bar("A", 9, "283,405,026 points")], chart_id="c", title="t", desc="d"))
    value = svg.findall(f".//{SVG}text")[-1]
    assert value.get("fill") == "#ffffff" and value.get("text-anchor") == "end"


def test_labels_and_titles_are_escaped() -> None:
    markup = bar_chart(
        [Bar("<script>alert(1)</script> & co", 1, '"1"')],
        chart_id="x",
        title="a < b",
        desc="c & d",
    )
    assert "<script>" not in markup
    svg = _parse(markup)  # still well-formed
    assert svg.find(f"{SVG}title").text == "a < b"  # type: ignore[union-attr]


def test_a_column_chart_leaves_a_gap_for_a_month_without_a_figure() -> None:
    columns = [Bar("Jan 2026", 2, "2 t"), Bar("Feb 2026", None, "—"), Bar("Mar 2026", 1, "1 t")]
    svg = _parse(column_chart(columns, chart_id="m", title="By month", desc="d", unit="t CO₂e"))
    assert len(svg.findall(f".//{SVG}rect")) == 2
    words = [t.text for t in svg.findall(f".//{SVG}text")]
    assert words[0] == "t CO₂e"
    assert words[1:4] == ["0", "1", "2"]  # grid lines at 0, half and the top of the axis
    assert words[4:] == ["Jan", "2026", "Feb", "Mar"]  # the year under the first month only


def test_columns_take_their_two_lines_from_the_axis_and_show_each_year_once() -> None:
    """Chinese months ("2026年12月") have no space to split at: the bar says its lines."""
    columns = [
        Bar("2026年12月", 1, "1 t", axis=("12", "2026年")),
        Bar("2027年1月", 2, "2 t", axis=("1", "2027年")),
        Bar("2027年2月", 3, "3 t", axis=("2", "2027年")),
    ]
    svg = _parse(column_chart(columns, chart_id="m", title="t", desc="d", unit="t CO₂e"))
    labels = [t.text for t in svg.findall(f".//{SVG}g/{SVG}text")]
    assert labels == ["12", "2026年", "1", "2027年", "2"]
    titles = [t.text for t in svg.findall(f".//{SVG}g/{SVG}title")]
    assert titles[0] == "2026年12月: 1 t"  # the whole name on hover


def test_more_than_twelve_columns_are_labelled_every_other_month() -> None:
    columns = [Bar(f"M{i} 2026", i, str(i)) for i in range(24)]
    svg = _parse(column_chart(columns, chart_id="m", title="t", desc="d", unit="t"))
    labels = [t.text for t in svg.findall(f".//{SVG}g/{SVG}text")]
    assert labels[:3] == ["M0", "2026", "M2"]
    assert len([word for word in labels if word and word.startswith("M")]) == 12


def test_the_axis_top_is_a_round_number() -> None:
    assert [nice_ceiling(v) for v in (0, 0.8, 1, 1.2, 3, 7, 42, 460)] == [
        1, 1, 1, 2, 5, 10, 50, 500,
    ]  # fmt: skip
    assert nice_ceiling(2.2) == 2.5


def test_the_account_chart_fills_its_templates_as_markup_would() -> None:
    """``_html`` is ``Markup(template).format(...)`` at a tenth of the cost: same escaping."""
    values = (
        '<b>"Tom" & Jerry\'s</b>',
        Markup("url(#a-hatch)"),
        40,
        12.5,
        Decimal("1.250"),
        "中文",
    )
    assert _html('<g id="{}"><title>{}: {}</title>{} {} {}</g>', *values) == Markup(
        '<g id="{}"><title>{}: {}</title>{} {} {}</g>'
    ).format(*values)
    named = {"x": 4.0, "c": "#1f7a4d", "text": "<&>"}
    assert _html('<text x="{x}" fill="{c}">{text}</text>', **named) == Markup(
        '<text x="{x}" fill="{c}">{text}</text>'
    ).format(**named)
