"""The SVG charts: escaped, accessible, no NaN, bars and points where the numbers say."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from stammkunde.ui.charts import (
    Series,
    bar_chart,
    heatmap,
    histogram,
    horizontal_bar_chart,
    line_chart,
    percent,
    plain_number,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """Parse the markup as XML: it must be well-formed for a browser to draw it."""
    return ET.fromstring(svg)


def test_chart_is_labelled_by_its_title_and_description():
    svg = bar_chart(
        ["A", "B"], [Series("n", [1, 2])], title="Segment sizes", description="One sentence."
    )
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Segment sizes"
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.find(f"{SVG}desc").text == "One sentence."


def test_user_text_is_escaped():
    evil = '<script>alert("x")</script>&'
    svg = bar_chart(
        [evil], [Series(evil, [3])], title=evil, description=evil, chart_id='x" onload="y'
    )
    assert "<script>" not in svg
    assert 'onload="y' not in svg
    root = parse(svg)  # still well-formed
    assert root.find(f"{SVG}title").text == evil


def test_no_javascript_and_no_outside_resources():
    svg = line_chart(["Jan", "Feb"], [Series("Revenue", [1.0, 2.0])], title="t", description="d")
    assert "<script" not in svg
    assert "href" not in svg
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_bar_heights_are_proportional_to_values():
    svg = bar_chart(["a", "b", "c"], [Series("n", [10, 20, 40])], title="t", description="d")
    bars = parse(svg).findall(f"{SVG}rect")
    heights = [float(bar.get("height")) for bar in bars if "chart-bar" in bar.get("class")]
    assert len(heights) == 3
    assert heights[1] == pytest.approx(2 * heights[0], rel=1e-2)
    assert heights[2] == pytest.approx(4 * heights[0], rel=1e-2)


def test_each_bar_carries_its_exact_value_as_tooltip():
    svg = bar_chart(["Champions"], [Series("n", [1234])], title="t", description="d")
    bar = next(r for r in parse(svg).iter(f"{SVG}rect") if "chart-bar" in r.get("class"))
    assert bar.find(f"{SVG}title").text == "Champions: 1.2k"


def test_missing_and_non_finite_values_are_gaps_not_nan():
    svg = line_chart(
        ["1", "2", "3", "4", "5"],
        [Series("x", [1.0, None, math.nan, math.inf, 2.0])],
        title="t",
        description="d",
    )
    assert "nan" not in svg.lower()
    assert "inf" not in svg.lower()
    root = parse(svg)
    circles = root.findall(f"{SVG}circle")
    assert len(circles) == 2
    # The two points are not joined: a gap breaks the line into single points.
    assert root.findall(f"{SVG}polyline") == []


def test_line_points_rise_with_values():
    svg = line_chart(["a", "b", "c"], [Series("x", [1, 2, 3])], title="t", description="d")
    ys = [float(c.get("cy")) for c in parse(svg).findall(f"{SVG}circle")]
    assert ys[0] > ys[1] > ys[2]  # SVG y grows downwards
    xs = [float(c.get("cx")) for c in parse(svg).findall(f"{SVG}circle")]
    assert xs[0] < xs[1] < xs[2]


def test_two_series_get_a_legend():
    svg = line_chart(
        ["a", "b"],
        [Series("New", [1, 2]), Series("Returning", [2, 1])],
        title="t",
        description="d",
    )
    legend = [t.text for t in parse(svg).iter(f"{SVG}text") if t.get("class") == "chart-legend"]
    assert legend == ["New", "Returning"]


def test_empty_data_gives_a_placeholder_not_an_error():
    for svg in (
        line_chart([], [], title="t", description="d"),
        bar_chart(["a"], [Series("n", [None])], title="t", description="d"),
        heatmap([], [], [], title="t", description="d"),
    ):
        root = parse(svg)
        assert root.find(f"{SVG}title").text == "t"
        assert root.findall(f"{SVG}rect") == []


def test_histogram_labels_bins_by_their_edges():
    svg = histogram([0, 0.5, 1], [3, 7], title="Risk", description="d", edge_format=percent)
    root = parse(svg)
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert "0%" in ticks and "50%" in ticks  # the axis names each bin by its lower edge
    bars = [r for r in root.iter(f"{SVG}rect") if "chart-bar" in r.get("class")]
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["0%\u201350%: 3", "50%\u2013100%: 7"]


def test_histogram_rejects_mismatched_edges():
    with pytest.raises(ValueError, match="one more edge"):
        histogram([0, 1], [1, 2], title="t", description="d")


def test_heatmap_shades_cells_by_value_and_skips_missing():
    svg = heatmap(
        ["2024-01", "2024-02"],
        ["0", "1", "2"],
        [[1.0, 0.35, 0.05], [1.0, None]],
        title="Cohorts",
        description="d",
    )
    cells = [r for r in parse(svg).iter(f"{SVG}rect") if "heat" in r.get("class")]
    assert len(cells) == 4
    classes = [c.get("class") for c in cells]
    assert classes == ["heat heat-9", "heat heat-3", "heat heat-0", "heat heat-9"]
    assert cells[1].find(f"{SVG}title").text == "2024-01 · 1: 35%"


def test_axis_top_is_a_round_number_at_or_above_the_maximum():
    svg = bar_chart(["a"], [Series("n", [730])], title="t", description="d")
    ticks = [t.text for t in parse(svg).iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks[-1] == "1k"
    assert ticks[0] == "0"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (12, "12"),
        (0.25, "0.25"),
        (1500, "1.5k"),
        (25_000, "25k"),
        (3_400_000, "3.4M"),
        (2_000_000, "2M"),
    ],
)
def test_plain_number(value, text):
    assert plain_number(value) == text


def test_ids_are_safe_for_several_charts_on_one_page():
    first = bar_chart(["a"], [Series("n", [1])], title="Same", description="d", chart_id="c1")
    second = bar_chart(["a"], [Series("n", [1])], title="Same", description="d", chart_id="c2")
    ids = re.findall(r'id="([^"]+)"', first + second)
    assert len(ids) == len(set(ids))


def test_horizontal_bars_scale_to_the_largest_value_and_show_it():
    svg = horizontal_bar_chart(
        ["Champions", "Can't lose them"], [50, 100], title="RFM", description="d"
    )
    root = parse(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if "chart-bar" in r.get("class")]
    assert float(bars[1].get("width")) == pytest.approx(2 * float(bars[0].get("width")))
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert values == ["50", "100"]
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert labels == ["Champions", "Can't lose them"]


def test_the_unfinished_last_period_is_drawn_dashed_not_as_a_collapse():
    values = [1000.0, 1100.0, 1050.0, 150.0]  # the current month has only just begun
    svg = line_chart(
        ["Sep", "Oct", "Nov", "Dec (so far)"],
        [Series("Revenue", values)],
        title="t",
        description="d",
        unfinished_last=True,
    )
    lines = parse(svg).findall(f".//{SVG}polyline")
    solid = [line for line in lines if "unfinished" not in line.get("class")]
    dashed = [line for line in lines if "unfinished" in line.get("class")]
    assert len(solid) == 1 and len(solid[0].get("points").split()) == 3
    assert len(dashed) == 1 and len(dashed[0].get("points").split()) == 2
    # The dashed stretch starts where the solid line ends.
    assert dashed[0].get("points").split()[0] == solid[0].get("points").split()[-1]


def test_a_finished_last_period_stays_on_the_solid_line():
    svg = line_chart(["a", "b", "c"], [Series("x", [1, 2, 3])], title="t", description="d")
    lines = parse(svg).findall(f".//{SVG}polyline")
    assert [len(line.get("points").split()) for line in lines] == [3]
