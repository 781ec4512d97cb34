"""Page presets and where each piece of a presentation layout goes.

Pure geometry (no painting): a preset plus a DPI gives the page in device pixels
and the rectangles of title, map frame, legend, inset and footer.  Sizes are
designed in millimetres on an A4 page and scaled with the page's short side, so
A3 gets proportionally larger type and the slide reads at 1920×1080.
"""
from __future__ import annotations

from dataclasses import dataclass

from geodata.core.message import Message, MessageError

MM_PER_INCH = 25.4
PT_MM = 25.4 / 72.0  # one typographic point in mm


@dataclass(frozen=True)
class Preset:
    name: str
    width_mm: float
    height_mm: float
    fixed_px: tuple[int, int] | None = None  # the slide is defined by its pixels
    default_dpi: int = 300

    @property
    def landscape(self) -> bool:
        return self.width_mm > self.height_mm


# 16:9 slide = PowerPoint's 13.333 × 7.5 in page; at 144 dpi that is exactly 1920 × 1080 px.
PRESETS: dict[str, Preset] = {
    "a4-portrait": Preset("a4-portrait", 210.0, 297.0),
    "a4-landscape": Preset("a4-landscape", 297.0, 210.0),
    "a3-portrait": Preset("a3-portrait", 297.0, 420.0),
    "a3-landscape": Preset("a3-landscape", 420.0, 297.0),
    "slide-16x9": Preset("slide-16x9", 1920 / 144 * MM_PER_INCH, 1080 / 144 * MM_PER_INCH, (1920, 1080), 144),
}


class PresetError(MessageError, ValueError):
    """A page preset that does not exist."""


def preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise PresetError(Message("未知版式 {name!r}，可选：{choices}", "unknown preset {name!r}; choose one of: {choices}")
                          .format(name=name, choices=", ".join(PRESETS))) from None


Rect = tuple[float, float, float, float]  # left, top, width, height in device pixels


@dataclass(frozen=True)
class Layout:
    preset: Preset
    dpi: float  # device pixels per inch the layout is drawn at
    width_px: int
    height_px: int
    scale: float  # type/line scale relative to an A4 page
    margin: float
    title: Rect
    map_frame: Rect
    panel: Rect  # legend (and inset) area
    inset: Rect | None
    legend: Rect
    footer: Rect

    def pt(self, points: float) -> float:
        """Points -> device pixels on this page."""
        return points * self.dpi / 72.0

    def mm(self, millimetres: float) -> float:
        return millimetres * self.dpi / MM_PER_INCH


def page_pixels(p: Preset, dpi: float) -> tuple[int, int, float]:
    """(width_px, height_px, effective dpi).  The slide keeps 1920×1080 whatever the DPI."""
    if p.fixed_px:
        return p.fixed_px[0], p.fixed_px[1], p.fixed_px[0] / (p.width_mm / MM_PER_INCH)
    if dpi <= 0 or dpi > 1200:
        raise ValueError(f"dpi must be between 1 and 1200, got {dpi}")
    return round(p.width_mm / MM_PER_INCH * dpi), round(p.height_mm / MM_PER_INCH * dpi), float(dpi)


# The legend's share of the page: of the map area's height under the map (portrait, a band
# across the page) or of its width beside it (landscape, a side column).  The export takes
# the first share at which the legend is set at its minimum print size (export_layout).
PORTRAIT_LEGEND_SHARES = (0.22, 0.25, 0.28, 0.31, 0.34, 0.37, 0.40)
LANDSCAPE_LEGEND_SHARES = (0.25, 0.28, 0.31, 0.34, 0.37, 0.40, 0.43, 0.46)


def legend_shares(p: Preset) -> tuple[float, ...]:
    return LANDSCAPE_LEGEND_SHARES if p.landscape else PORTRAIT_LEGEND_SHARES


def compute_layout(p: Preset, dpi: float, *, inset: bool = True, subtitle: bool = True,
                   legend_share: float | None = None) -> Layout:
    """`legend_share`: the panel's fraction of the map area (see `legend_shares`); None = the smallest."""
    share = legend_shares(p)[0] if legend_share is None else float(legend_share)
    if not 0.1 <= share <= 0.5:
        raise ValueError(f"legend_share must be between 0.1 and 0.5, got {legend_share}")
    width_px, height_px, eff_dpi = page_pixels(p, dpi)
    k = eff_dpi / MM_PER_INCH  # px per mm
    s = min(p.width_mm, p.height_mm) / 210.0
    margin = 10.0 * s
    title_h = (20 * 1.35 + (12 * 1.35 if subtitle else 0)) * s * PT_MM + 3 * s
    footer_h = 2 * 7 * 1.35 * s * PT_MM + 2 * s
    gap = 4.0 * s
    top = margin + title_h + gap
    bottom = p.height_mm - margin - footer_h - gap
    inner_w = p.width_mm - 2 * margin
    if p.landscape:
        panel_w = share * inner_w
        map_rect = (margin, top, inner_w - panel_w - gap, bottom - top)
        panel = (margin + inner_w - panel_w, top, panel_w, bottom - top)
        # a wider column must not let the inset eat the legend's height
        inset_h = min(panel_w * 0.85, 0.25 * inner_w * 0.85)
        inset_rect = (panel[0], panel[1], panel_w, inset_h) if inset else None
        legend_top = panel[1] + (inset_rect[3] + gap if inset_rect else 0)
        legend = (panel[0], legend_top, panel_w, panel[1] + panel[3] - legend_top)
    else:
        panel_h = share * (bottom - top)
        map_rect = (margin, top, inner_w, bottom - top - panel_h - gap)
        panel = (margin, bottom - panel_h, inner_w, panel_h)
        # a taller band must not let the inset eat the legend's width
        inset_w = min(panel_h, 0.22 * (bottom - top)) / 0.85
        inset_rect = (panel[0] + inner_w - inset_w, panel[1], inset_w, inset_w * 0.85) if inset else None
        legend = (panel[0], panel[1], inner_w - (inset_w + gap if inset_rect else 0), panel_h)
    title = (margin, margin, inner_w, title_h)
    footer = (margin, p.height_mm - margin - footer_h, inner_w, footer_h)

    def px(r: Rect | None) -> Rect | None:
        if r is None:
            return None
        # whole pixels: the map frame's pixel grid must match the world file exactly
        left, top_, right, bottom_ = (round(r[0] * k), round(r[1] * k), round((r[0] + r[2]) * k), round((r[1] + r[3]) * k))
        return (left, top_, right - left, bottom_ - top_)

    return Layout(
        preset=p,
        dpi=eff_dpi,
        width_px=width_px,
        height_px=height_px,
        scale=s,
        margin=margin * k,
        title=px(title),
        map_frame=px(map_rect),
        panel=px(panel),
        inset=px(inset_rect),
        legend=px(legend),
        footer=px(footer),
    )


def fit_extent(extent: tuple[float, float, float, float], width: float, height: float) -> tuple[float, float, float, float]:
    """Grow `extent` about its centre to the frame's aspect ratio (nothing requested is cut off),
    so map units per pixel are the same along x and y and the world file is exact."""
    xmin, ymin, xmax, ymax = extent
    w, h = xmax - xmin, ymax - ymin
    if w <= 0 or h <= 0:
        raise ValueError(f"empty extent {extent}")
    per_px = max(w / width, h / height)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half_w, half_h = per_px * width / 2, per_px * height / 2
    return cx - half_w, cy - half_h, cx + half_w, cy + half_h


# ---- legend column breaking --------------------------------------------------------

MIN_ENTRIES_BEFORE_BREAK = 2  # a heading is followed by at least this many entries in its column
MIN_ENTRIES_TO_SPLIT = 5  # a shorter group moves whole: "Railways (cont.)" over two rows reads worse


@dataclass(frozen=True)
class PlacedRow:
    column: int
    y: float  # in row heights from the column's top
    row: object  # layers.render.legend.LegendRow
    continued: bool = False  # a heading repeated at the top of a column


def pack_legend(blocks, capacity: float, gap: float = 0.35) -> tuple[list[PlacedRow], bool]:
    """Place legend blocks top to bottom, column after column (units: one row height).

    A block starts a new column rather than leave its heading (or its heading and one
    entry) at a column's foot; a keep-whole block (the status key) never splits; a group
    of at least MIN_ENTRIES_TO_SPLIT entries may split after MIN_ENTRIES_BEFORE_BREAK of
    them, repeating its heading on top of the next column.  Returns the rows and whether everything fitted
    in `capacity` (False only when a column is shorter than the smallest unit).
    """
    from layers.render.legend import LegendRow

    placed: list[PlacedRow] = []
    col, y, fits = 0, 0.0, True

    def new_column() -> None:
        nonlocal col, y
        col, y = col + 1, 0.0

    for block in blocks:
        rows = list(block.rows)
        heading = LegendRow("heading", block.heading) if block.heading else None
        continued = False
        while True:
            lead = gap if y > 0 else 0.0
            size = len(rows) + (1 if heading else 0)
            if y + lead + size <= capacity + 1e-9:  # the (rest of the) block fits here
                break
            empty = y == 0
            if block.keep_whole or heading is None or (len(block.rows) < MIN_ENTRIES_TO_SPLIT and not empty):
                if empty:  # taller than a whole column: split anyway, but say it did not fit
                    fits = False
                    break
                new_column()
                continue
            room = int(capacity - y - lead + 1e-9) - 1  # entries that fit under the heading here
            if room < min(MIN_ENTRIES_BEFORE_BREAK, len(rows)) or room >= len(rows):
                if empty:
                    room = max(room, 1)
                    fits = fits and room >= MIN_ENTRIES_BEFORE_BREAK
                else:
                    new_column()
                    continue
            y += lead
            placed.append(PlacedRow(col, y, heading, continued))
            for i, row in enumerate(rows[:room]):
                placed.append(PlacedRow(col, y + 1 + i, row))
            rows, continued = rows[room:], True
            new_column()
        y += gap if y > 0 else 0.0
        if heading is not None:
            placed.append(PlacedRow(col, y, heading, continued))
            y += 1
        for row in rows:
            if y + 1 > capacity + 1e-9 and y > 0:  # only a block taller than a column gets here
                new_column()
            placed.append(PlacedRow(col, y, row))
            y += 1
    return placed, fits
