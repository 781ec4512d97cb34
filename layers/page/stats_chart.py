"""The statistics chart: horizontal stacked bars (projects, project lines, partnerships) per group,
drawn by matplotlib's Agg back end (object API, no pyplot: no global state, no display).

Labels are set in the bundled Noto Sans CJK SC (`layers/render/fonts.py`'s file): the machine
has no CJK system font, and matplotlib would otherwise draw Chinese as empty boxes.  SVG keeps
the text as glyph paths (matplotlib's default), so the file shows the same without the font.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from geodata.core.atomic import atomic_path
from geodata.core.message import Message
from layers.model.stats import COLUMNS, SERIES, StatsTable

CHART_FORMATS = (".png", ".svg")
MAX_BARS = 30  # a district chart keeps the busiest; the table and the CSV keep every row
MORE = Message("（另有 {n} 组未画出）", "({n} more groups not drawn)")
COUNT_AXIS = Message("要素数", "Features")
EMPTY = Message("筛选后没有要素", "No features under the filter")


@lru_cache(maxsize=1)
def _font_properties():
    from matplotlib import font_manager

    from layers.render.fonts import REGULAR

    font_manager.fontManager.addfont(str(REGULAR))
    return font_manager.FontProperties(fname=str(REGULAR))


def chart_figure(table: StatsTable, language: str = "zh", *, subtitle: str | None = None,
                 width_in: float = 8.0, dpi: float = 120):
    """A matplotlib Figure of the table (no canvas attached: the caller picks the output)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font = _font_properties()
    rows = [r for r in table.rows if r.features > 0] or list(table.rows)
    hidden = max(0, len(rows) - MAX_BARS)
    rows = rows[:MAX_BARS]
    height_in = max(2.6, 1.3 + 0.32 * max(len(rows), 1))
    # constrained layout makes room for the legend under the axis label
    figure = Figure(figsize=(width_in, height_in + 0.4), dpi=dpi, facecolor="white", layout="constrained")
    axes = figure.add_subplot(1, 1, 1)
    labels = [r.label.text(language) for r in rows]
    positions = list(range(len(rows)))[::-1]  # the first row on top
    left = [0] * len(rows)
    for column, colour in SERIES:
        if column not in table.layers:
            continue
        values = [r.value(column) for r in rows]
        axes.barh(positions, values, left=left, color=colour, height=0.7, label=COLUMNS[column].text(language))
        left = [a + b for a, b in zip(left, values)]
    for y, total in zip(positions, left):
        if total:
            axes.text(total, y, f" {total}", va="center", fontproperties=font, fontsize=8, color="#333333")
    axes.set_yticks(positions)
    axes.set_yticklabels(labels, fontproperties=font, fontsize=9)
    axes.set_xlabel(COUNT_AXIS.text(language), fontproperties=font, fontsize=9)
    axes.set_xlim(0, max(left + [1]) * 1.12)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 features
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    title = table.title(language) + (f" · {subtitle}" if subtitle else "")
    if hidden:
        title += MORE.format(n=hidden).text(language)
    axes.set_title(title, fontproperties=font, fontsize=11, loc="left")
    if not any(left):
        axes.text(0.5, 0.5, EMPTY.text(language), transform=axes.transAxes, ha="center", fontproperties=font)
    else:
        axes.legend(prop=font, loc="upper center", bbox_to_anchor=(0.5, -0.16 * 2.6 / height_in), ncol=3,
                    frameon=False)
    return figure


def write_chart(table: StatsTable, out_path: str | os.PathLike, language: str = "zh", *,
                subtitle: str | None = None) -> Path:
    """The chart as PNG or SVG, written atomically."""
    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in CHART_FORMATS:
        raise ValueError(f"chart format {out.suffix or '(none)'!r} not supported; use {', '.join(CHART_FORMATS)}")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = chart_figure(table, language, subtitle=subtitle)
    FigureCanvasAgg(figure)
    with atomic_path(out) as tmp:
        figure.savefig(str(tmp), format=suffix[1:], facecolor="white")
    return out

