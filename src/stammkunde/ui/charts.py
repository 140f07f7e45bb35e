"""Server-side SVG charts: line, bars, grouped bars, histogram and heatmap.

Pure functions from numbers and labels to an SVG string; no JavaScript and nothing loaded from
elsewhere. Every text is escaped, so labels may come from user data (segment or product names).
Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>`` (a screen reader
reads the one-sentence explanation), and every bar, point and cell carries a ``<title>`` with
its exact value, which browsers show as a tooltip. Missing or non-finite values are gaps, never
NaN in the markup. Colours come from CSS classes (``ui/analytics.css``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from stammkunde.core.number_formats import format_compact, format_percent

Number = float | int | None
Formatter = Callable[[float], str]

WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 56
MARGIN_RIGHT = 32
MARGIN_TOP = 12
MARGIN_BOTTOM = 40
MAX_X_LABELS = 8
DASH = "\u2013"
NO_DATA = DASH


@dataclass(frozen=True)
class Series:
    """One named line or bar group; ``values`` line up with the chart's labels."""

    name: str
    values: Sequence[Number]


def plain_number(value: float) -> str:
    """A compact axis label in the UI language: "1.2k" / "1,2 Tsd.", "3.4M", "0.25"."""
    return format_compact(value)


def percent(value: float) -> str:
    """A share as a whole percentage in the UI language: "23%" / "23 %"."""
    return format_percent(value, 0)


def _finite(value: Number) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "chart"


def _nice_max(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^n at or above ``value`` (a round top for the y axis)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10**exponent
        if top >= value * 0.999999:
            return top
    return 10 ** (exponent + 1)


def _open(
    title: str, description: str, chart_id: str, width: int, height: int, *, fixed: bool = False
) -> list[str]:
    """The opening tags; a ``fixed`` chart keeps its natural size instead of filling its box."""
    base = escape(chart_id or _slug(title))
    size = f'width="{width}" height="{height}" ' if fixed else ""
    return [
        f'<svg class="chart{" fixed" if fixed else ""}" role="img" {size}'
        f'viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMidYMid meet" aria-labelledby="{base}-title {base}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{base}-title">{escape(title)}</title>',
        f'<desc id="{base}-desc">{escape(description)}</desc>',
    ]


def _close(parts: list[str]) -> SafeString:
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def empty_chart(title: str, description: str, message: str, *, chart_id: str = "") -> SafeString:
    """A placeholder of the same size with a short message (no data yet)."""
    parts = _open(title, description, chart_id, WIDTH, 80)
    parts.append(
        f'<text class="chart-empty" x="{WIDTH / 2}" y="45" text-anchor="middle">'
        f"{escape(message)}</text>"
    )
    return _close(parts)


def _y_axis(parts: list[str], top: float, height: int, width: int, fmt: Formatter) -> None:
    plot_height = height - MARGIN_TOP - MARGIN_BOTTOM
    for i in range(5):
        value = top * i / 4
        y = MARGIN_TOP + plot_height * (1 - i / 4)
        parts.append(
            f'<line class="chart-grid" x1="{MARGIN_LEFT}" x2="{width - MARGIN_RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-tick" x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{escape(fmt(value))}</text>'
        )


def _x_labels(parts: list[str], labels: Sequence[str], centers: list[float], height: int) -> None:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    for index, (label, x) in enumerate(zip(labels, centers, strict=True)):
        if index % every == 0:
            parts.append(
                f'<text class="chart-tick" x="{x:.1f}" y="{height - MARGIN_BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )


def _legend(parts: list[str], names: Sequence[str], width: int, height: int) -> None:
    if len(names) < 2:
        return
    x = MARGIN_LEFT
    for index, name in enumerate(names):
        parts.append(
            f'<rect class="series-{index}" x="{x}" y="{height - 14}" width="10" height="10"/>'
            f'<text class="chart-legend" x="{x + 14}" y="{height - 5}">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    value_format: Formatter = plain_number,
    chart_id: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
    unfinished_last: bool = False,
) -> SafeString:
    """Lines over labelled points (time periods); a missing value breaks the line.

    ``unfinished_last``: the last point is a period that is not over yet. Its stretch of the
    line is dashed (class ``unfinished``), so a half-counted month does not read as a collapse.
    """
    values = [_finite(v) for s in series for v in s.values]
    if not labels or all(v is None for v in values):
        return empty_chart(title, description, NO_DATA, chart_id=chart_id)
    top = _nice_max(max(v for v in values if v is not None))
    plot_width = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = height - MARGIN_TOP - MARGIN_BOTTOM
    step = plot_width / max(1, len(labels) - 1)
    if len(labels) == 1:
        xs = [MARGIN_LEFT + plot_width / 2]
    else:
        xs = [MARGIN_LEFT + step * i for i in range(len(labels))]
    parts = _open(title, description, chart_id, width, height)
    _y_axis(parts, top, height, width, value_format)
    for index, one in enumerate(series):
        segments: list[list[str]] = [[]]
        points: list[str] = []
        for x, raw, label in zip(xs, one.values, labels, strict=False):
            value = _finite(raw)
            if value is None:
                segments.append([])
                continue
            y = MARGIN_TOP + plot_height * (1 - max(0.0, value) / top)
            segments[-1].append(f"{x:.1f},{y:.1f}")
            points.append(
                f'<circle class="series-{index}" cx="{x:.1f}" cy="{y:.1f}" r="2.5">'
                f"<title>{escape(one.name)} · {escape(label)}: {escape(value_format(value))}"
                "</title></circle>"
            )
        tail: list[str] = []
        last_is_drawn = len(one.values) == len(labels) and _finite(one.values[-1]) is not None
        if unfinished_last and last_is_drawn and len(segments[-1]) > 1:
            # The unfinished period's stretch leaves the solid line and is drawn dashed.
            tail = segments[-1][-2:]
            segments[-1] = segments[-1][:-1]
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    f'<polyline class="chart-line series-{index}" points="{" ".join(segment)}"/>'
                )
        if tail:
            parts.append(
                f'<polyline class="chart-line unfinished series-{index}" '
                f'points="{" ".join(tail)}"/>'
            )
        parts.extend(points)
    _x_labels(parts, labels, xs, height)
    _legend(parts, [s.name for s in series], width, height)
    return _close(parts)


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    value_format: Formatter = plain_number,
    chart_id: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
    axis_labels: Sequence[str] | None = None,
) -> SafeString:
    """Vertical bars, one group per label and one bar per series (grouped when several).

    ``axis_labels`` (same length as ``labels``) are shorter texts for the axis; the tooltips
    keep the full labels.
    """
    values = [_finite(v) for s in series for v in s.values]
    if not labels or not series or all(v is None for v in values):
        return empty_chart(title, description, NO_DATA, chart_id=chart_id)
    top = _nice_max(max((v for v in values if v is not None), default=0))
    plot_width = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = height - MARGIN_TOP - MARGIN_BOTTOM
    group = plot_width / len(labels)
    bar = group * 0.8 / len(series)
    parts = _open(title, description, chart_id, width, height)
    _y_axis(parts, top, height, width, value_format)
    centers = []
    for position, label in enumerate(labels):
        left = MARGIN_LEFT + group * position + group * 0.1
        centers.append(MARGIN_LEFT + group * (position + 0.5))
        for index, one in enumerate(series):
            value = _finite(one.values[position]) if position < len(one.values) else None
            if value is None:
                continue
            bar_height = plot_height * max(0.0, value) / top
            y = MARGIN_TOP + plot_height - bar_height
            name = f"{one.name} · " if len(series) > 1 else ""
            parts.append(
                f'<rect class="chart-bar series-{index}" x="{left + bar * index:.1f}" '
                f'y="{y:.1f}" width="{max(bar - 1, 1):.1f}" height="{bar_height:.1f}">'
                f"<title>{escape(name)}{escape(label)}: {escape(value_format(value))}</title>"
                "</rect>"
            )
    _x_labels(parts, axis_labels or labels, centers, height)
    _legend(parts, [s.name for s in series], width, height)
    return _close(parts)


def histogram(
    edges: Sequence[float],
    counts: Sequence[int],
    *,
    title: str,
    description: str,
    edge_format: Formatter = plain_number,
    chart_id: str = "",
    series_name: str = "",
) -> SafeString:
    """Bars over ``len(edges) - 1`` bins; each bar is labelled with its range."""
    if len(edges) != len(counts) + 1:
        raise ValueError("a histogram needs one more edge than counts")
    labels = [f"{edge_format(low)}{DASH}{edge_format(high)}" for low, high in pairwise(edges)]
    return bar_chart(
        labels,
        [Series(series_name or title, list(counts))],
        title=title,
        description=description,
        chart_id=chart_id,
        axis_labels=[edge_format(low) for low in edges[:-1]],
    )


def heatmap(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[Number]],
    *,
    title: str,
    description: str,
    value_format: Formatter = percent,
    chart_id: str = "",
    cell_width: int = 34,
    cell_height: int = 22,
    label_width: int = 70,
) -> SafeString:
    """A grid of shaded cells, values between 0 and 1 (retention shares); None = no cell.

    Shading uses ten classes ``heat-0`` .. ``heat-9`` so the palette stays in the stylesheet.
    """
    if not row_labels or not column_labels:
        return empty_chart(title, description, NO_DATA, chart_id=chart_id)
    width = label_width + cell_width * len(column_labels) + 4
    height = 20 + cell_height * len(row_labels) + 4
    parts = _open(title, description, chart_id, width, height, fixed=True)
    for column, label in enumerate(column_labels):
        x = label_width + cell_width * (column + 0.5)
        parts.append(
            f'<text class="chart-tick" x="{x:.1f}" y="14" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    for row, label in enumerate(row_labels):
        y = 20 + cell_height * row
        parts.append(
            f'<text class="chart-tick" x="{label_width - 6}" y="{y + cell_height * 0.65:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        cells = values[row] if row < len(values) else []
        for column, raw in enumerate(cells[: len(column_labels)]):
            value = _finite(raw)
            if value is None:
                continue
            shade = min(9, max(0, int(value * 10)))
            x = label_width + cell_width * column
            text = escape(value_format(value))
            parts.append(
                f'<g><rect class="heat heat-{shade}" x="{x}" y="{y}" width="{cell_width - 2}" '
                f'height="{cell_height - 2}"><title>{escape(label)} · '
                f"{escape(column_labels[column])}: {text}</title></rect>"
                f'<text class="heat-text{" dark" if shade >= 5 else ""}" '
                f'x="{x + (cell_width - 2) / 2:.1f}" y="{y + cell_height * 0.62:.1f}" '
                f'text-anchor="middle">{text}</text></g>'
            )
    return _close(parts)


def horizontal_bar_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    description: str,
    value_format: Formatter = plain_number,
    chart_id: str = "",
    width: int = WIDTH,
    row_height: int = 24,
    label_width: int = 170,
) -> SafeString:
    """One horizontal bar per label (long names such as RFM segments stay readable)."""
    numbers = [_finite(v) for v in values]
    if not labels or all(v is None for v in numbers):
        return empty_chart(title, description, NO_DATA, chart_id=chart_id)
    top = max(v for v in numbers if v is not None) or 1.0
    value_width = 60
    plot_width = width - label_width - value_width
    height = row_height * len(labels) + 4
    parts = _open(title, description, chart_id, width, height)
    for index, (label, value) in enumerate(zip(labels, numbers, strict=False)):
        y = 2 + row_height * index
        parts.append(
            f'<text class="chart-tick" x="{label_width - 8}" y="{y + row_height * 0.65:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        if value is None:
            continue
        bar_width = plot_width * max(0.0, value) / top
        text = escape(value_format(value))
        parts.append(
            f'<rect class="chart-bar series-0" x="{label_width}" y="{y + 3}" '
            f'width="{bar_width:.1f}" height="{row_height - 6}">'
            f"<title>{escape(label)}: {text}</title></rect>"
            f'<text class="chart-value" x="{label_width + bar_width + 6:.1f}" '
            f'y="{y + row_height * 0.65:.1f}">{text}</text>'
        )
    return _close(parts)
