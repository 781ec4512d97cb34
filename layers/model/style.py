"""Map styles: plain values (JSON-able) that read like a Chinese planning map.

A `Style` says how one class of features is drawn; a `LayerStyle` classifies the
features of a layer by one or more fields (primary theme, kind, status, ...) and
holds one labelled `StyleClass` per class key.  The class key is the field values
joined with "|" (e.g. railways: "high_speed|under_construction").

Conventions: status drawn distinctly (operating solid, under construction dashed,
planned dotted and light); railways as a black casing with a white dashed core;
expressways as a double line (dark casing, amber core); cross-border rivers
wider and darker; the circle outline bold.  Sizes are in points (1/72 inch) so a
300-dpi export looks like the screen.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from geodata.core.themes import STATUSES
from geodata.core.values import CODED_VALUES

# Named dash patterns, in units of the pen width (Qt's convention).
DASHES: dict[str, tuple[float, ...]] = {
    "solid": (),
    "dash": (4.0, 2.5),
    "longdash": (7.0, 3.0),
    "dot": (1.0, 2.0),
    "dashdot": (5.0, 2.0, 1.0, 2.0),
    "rail": (3.0, 3.0),  # the white core of the black-white railway line
}

SYMBOLS = ("circle", "square", "triangle", "triangle_down", "diamond", "star", "plus", "cross", "hexagon", "pentagon")


@dataclass(frozen=True)
class Style:
    """How one class is drawn.  Colours are "#rrggbb"; None means not drawn."""

    fill: str | None = None
    fill_opacity: float = 1.0
    stroke: str | None = "#333333"
    width_pt: float = 0.5
    dash: str = "solid"
    casing: str | None = None  # a wider line drawn under the stroke (roads, rail, rivers)
    casing_width_pt: float = 0.0
    casing_dash: str = "solid"
    symbol: str | None = None  # point layers: one of SYMBOLS
    symbol_size_pt: float = 5.0
    opacity: float = 1.0
    label_size_pt: float = 8.0
    label_color: str = "#1f1f1f"
    label_bold: bool = False
    label_halo: str | None = "#ffffff"  # the outline round label glyphs; None: no halo
    label_halo_pt: float = 0.0  # its width; 0: scaled with the label size

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Style":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class StyleClass:
    key: str
    label_zh: str
    label_en: str
    style: Style

    def label(self, language: str = "zh") -> str:
        return self.label_en if language == "en" else self.label_zh


RENDERERS = ("single", "categorized", "graduated")  # as QGIS names them
METHODS = ("equal_interval", "quantile", "jenks")  # graduated class breaks (layers.model.classify)


@dataclass
class LayerStyle:
    """Classifies a layer's features by `fields` and styles each class.

    `renderer` says how the classes came about: "single" — the layer's own symbology
    (one symbol, or the bundled planning-map classes by `fields`); "categorized" — one
    class per distinct value of `attribute` (`fields == (attribute,)`, keys the values'
    text); "graduated" — numeric `attribute` cut at `breaks` (n + 1 ascending edges, a class covers
    (low, high], the first also its low), keys "0" … "n-1"; `method` and `palette`
    record how breaks and colours were chosen, so the dialog can redo them.
    """

    base: Style
    fields: tuple[str, ...] = ()
    classes: dict[str, StyleClass] = field(default_factory=dict)
    label_priority: float = 1.0  # higher labels win the collision test
    # point layers: spread points that fall within a few pixels of each other (display only);
    # off for reference points that must stay put (government seats)
    displace_points: bool = True
    renderer: str = "single"
    attribute: str | None = None  # the field classified by (categorized, graduated)
    method: str = "equal_interval"
    breaks: tuple[float, ...] = ()
    palette: str = ""
    attribute_zh: str = ""  # the field in words, for the legend heading: 区县（面积 (km²)）
    attribute_en: str = ""

    @property
    def by_attribute(self) -> bool:
        """Categorized or graduated: the legend lists the classes as they are (no status folding)."""
        return self.renderer in ("categorized", "graduated")

    def legend_titles(self, title_zh: str, title_en: str) -> tuple[str, str]:
        """A layer's legend heading: its title, and the field it is coloured by."""
        if not self.by_attribute:
            return title_zh, title_en
        zh, en = self.attribute_zh or self.attribute or "", self.attribute_en or self.attribute or ""
        return (f"{title_zh}（{zh}）" if zh else title_zh), (f"{title_en} ({en})" if en else title_en)

    def style_class(self, key: str, layer_title: tuple[str, str] = ("", "")) -> StyleClass:
        found = self.classes.get(key)
        if found is not None:
            return found
        if self.renderer == "graduated" or (self.renderer == "categorized" and key == ""):
            return StyleClass(key, "无数据", "No data", self.base)
        if not self.fields:
            return StyleClass(key, layer_title[0], layer_title[1], self.base)
        zh, en = describe_key(self.fields, key)
        return StyleClass(key, zh, en, self.base)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base.to_dict(),
            "fields": list(self.fields),
            "label_priority": self.label_priority,
            "displace_points": self.displace_points,
            "renderer": self.renderer,
            "attribute": self.attribute,
            "method": self.method,
            "breaks": list(self.breaks),
            "palette": self.palette,
            "attribute_zh": self.attribute_zh,
            "attribute_en": self.attribute_en,
            "classes": {
                k: {"label_zh": c.label_zh, "label_en": c.label_en, "style": c.style.to_dict()}
                for k, c in self.classes.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LayerStyle":
        classes = {
            k: StyleClass(k, v.get("label_zh", k), v.get("label_en", k), Style.from_dict(v.get("style", {})))
            for k, v in (data.get("classes") or {}).items()
        }
        return cls(
            base=Style.from_dict(data.get("base", {})),
            fields=tuple(data.get("fields") or ()),
            classes=classes,
            label_priority=float(data.get("label_priority", 1.0)),
            displace_points=bool(data.get("displace_points", True)),
            renderer=data.get("renderer") or "single",  # files saved before renderers: today's look
            attribute=data.get("attribute"),
            method=data.get("method") or "equal_interval",
            breaks=tuple(float(b) for b in data.get("breaks") or ()),
            palette=data.get("palette") or "",
            attribute_zh=data.get("attribute_zh") or "",
            attribute_en=data.get("attribute_en") or "",
        )


@dataclass(frozen=True)
class LabelSettings:
    """A layer's label overrides (on/off and the field are `MapLayer.show_labels`/`label_field`).

    None keeps each class's own value (the planning map sizes seats above stations)."""

    size_pt: float | None = None
    color: str | None = None
    bold: bool | None = None
    halo: bool = True
    halo_color: str = "#ffffff"
    halo_width_pt: float | None = None  # None: scaled with the label size

    def apply(self, style: Style) -> Style:
        """`style` with these overrides on its label fields."""
        changes: dict[str, Any] = {"label_halo": self.halo_color if self.halo else None}
        if self.size_pt is not None:
            changes["label_size_pt"] = float(self.size_pt)
        if self.color is not None:
            changes["label_color"] = self.color
        if self.bold is not None:
            changes["label_bold"] = bool(self.bold)
        if self.halo_width_pt is not None:
            changes["label_halo_pt"] = float(self.halo_width_pt)
        return replace(style, **changes)

    @property
    def is_default(self) -> bool:
        return self == LabelSettings()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "LabelSettings":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


# ---- classification -----------------------------------------------------------

def describe_key(columns: tuple[str, ...], key: str) -> tuple[str, str]:
    """A class key ("high_speed|planned") in words, Chinese and English, from the coded values."""
    parts = key.split("|")
    zh_parts, en_parts = [], []
    for column, value in zip(columns, parts):
        zh, en = CODED_VALUES.get(column, {}).get(value, (value, value))
        if zh:
            zh_parts.append(zh)
        if en:
            en_parts.append(en)
    return " · ".join(zh_parts) or key, " · ".join(en_parts) or key


# ---- default palette ------------------------------------------------------------

# One colour and point symbol per theme key (colour-blind-aware hues, distinct shapes).
THEME_STYLE: dict[str, tuple[str, str]] = {
    "transport": ("#1f5fbf", "circle"),
    "ecology": ("#2b8a3e", "triangle"),
    "culture_tourism": ("#c2255c", "star"),
    "industry": ("#e8590c", "square"),
    "innovation": ("#7048e8", "diamond"),
    "public_service": ("#0b7285", "plus"),
    "energy": ("#d9a400", "hexagon"),
    "water": ("#1c9ed6", "triangle_down"),
    "opening_up": ("#8d5524", "pentagon"),
    "agriculture": ("#74b816", "cross"),
}


def lighten(color: str | None, amount: float) -> str | None:
    """`color` moved `amount` (0..1) of the way to white."""
    if not color:
        return color
    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return "#" + "".join(f"{round(v + (255 - v) * amount):02x}" for v in (r, g, b))


def with_status(style: Style, status: str, *, point: bool = False) -> Style:
    """Operating solid; under construction dashed; planned dotted, light and (points) hollow."""
    if status == "under_construction":
        if point:
            return replace(style, fill_opacity=0.55)
        if style.casing and style.stroke == "#ffffff":  # rail: a dashed dark line, no white core
            return replace(style, stroke=style.casing, width_pt=style.casing_width_pt * 0.75, dash="dash",
                           casing=None, casing_width_pt=0.0)
        # roads: the core is dashed over a solid casing (dash ends would not line up on both)
        return replace(style, dash="dash")
    if status == "planned":
        if point:
            return replace(style, fill="#ffffff", fill_opacity=1.0, stroke=style.fill or style.stroke,
                           width_pt=max(style.width_pt, 1.0))
        # light = a fifth of the way to white, opaque: same look on the pale map as 80 % opacity,
        # and opaque lines take the raster engine's fast path (see layers.render.draw_paths.stroke)
        stroke = style.casing if style.stroke in ("#ffffff", None) else style.stroke
        return replace(style, dash="dot", casing=None, casing_width_pt=0.0, stroke=lighten(stroke, 0.2),
                       width_pt=max(style.width_pt, style.casing_width_pt * 0.6))
    return style


def _classes(columns: tuple[str, ...], combos: dict[tuple[str, ...], Style]) -> dict[str, StyleClass]:
    out = {}
    for values, style in combos.items():
        key = "|".join(values)
        zh, en = describe_key(columns, key)
        out[key] = StyleClass(key, zh, en, style)
    return out


def _status_combos(kinds: dict[str, Style], point: bool = False) -> dict[tuple[str, str], Style]:
    return {(k, s): with_status(style, s, point=point) for k, style in kinds.items() for s in STATUSES}


def default_layer_style(name: str, geometry_type: str = "") -> LayerStyle:
    """The planning-map style of a bundled layer, or a neutral one for user layers."""
    if name == "districts":
        cols = ("in_circle", "partial")
        classes = {
            "1|0": StyleClass("1|0", "经济圈内区县", "District in the circle",
                              Style(fill="#fbf1d6", stroke="#a2927a", width_pt=0.45, label_size_pt=7.5, label_color="#4a4033")),
            "1|1": StyleClass("1|1", "部分纳入经济圈的区县", "District partly in the circle",
                              Style(fill="#f6ecd9", stroke="#a2927a", width_pt=0.45, dash="dash", label_size_pt=7.5, label_color="#4a4033")),
            "0|0": StyleClass("0|0", "周边区县（背景）", "Context county",
                              Style(fill="#ececea", stroke="#c8c6c0", width_pt=0.35, label_size_pt=6.5, label_color="#8c8a84")),
        }
        classes["0|1"] = StyleClass("0|1", classes["0|0"].label_zh, classes["0|0"].label_en, classes["0|0"].style)
        return LayerStyle(base=classes["1|0"].style, fields=cols, classes=classes, label_priority=2.0)
    if name == "cities":
        cols = ("in_circle",)
        classes = {
            "1": StyleClass("1", "地级市界", "Prefecture boundary", Style(stroke="#6d6252", width_pt=0.9, dash="dashdot", label_size_pt=10, label_bold=True, label_color="#3b3226")),
            "0": StyleClass("0", "周边地级市界", "Context prefecture boundary", Style(stroke="#b3aea4", width_pt=0.7, dash="dashdot", label_size_pt=9, label_color="#8c8a84")),
        }
        return LayerStyle(base=classes["1"].style, fields=cols, classes=classes, label_priority=1.0)
    if name == "circle":
        base = Style(stroke="#c0392b", width_pt=2.4, casing="#f2b8b0", casing_width_pt=6.0, label_size_pt=11, label_bold=True, label_color="#a52a1e")
        return LayerStyle(base=base, classes={"": StyleClass("", "成渝地区双城经济圈", "Chengdu–Chongqing economic circle", base)}, label_priority=0.1)
    if name == "seats":
        cols = ("level", "in_circle")
        city = Style(fill="#d62828", stroke="#ffffff", width_pt=0.8, symbol="star", symbol_size_pt=9, label_size_pt=10.5, label_bold=True)
        district = Style(fill="#ffffff", stroke="#333333", width_pt=0.7, symbol="circle", symbol_size_pt=3.6, label_size_pt=7.5, label_color="#333333")
        classes = {
            "city|1": StyleClass("city|1", "市驻地", "City seat", city),
            "district|1": StyleClass("district|1", "区县驻地", "District seat", district),
            "city|0": StyleClass("city|0", "周边市/州驻地", "Context city seat",
                                 replace(city, fill="#b08080", symbol_size_pt=7, label_size_pt=8.5, label_color="#77736c", label_bold=False)),
            "district|0": StyleClass("district|0", "周边区县驻地", "Context district seat",
                                     replace(district, stroke="#8c8a84", symbol_size_pt=3.0, label_size_pt=6.5, label_color="#8c8a84")),
        }
        return LayerStyle(base=district, fields=cols, classes=classes, label_priority=5.0, displace_points=False)
    if name == "rivers":
        cols = ("cross_border", "kind")
        combos = {
            ("1", "main"): Style(stroke="#1f78c8", width_pt=2.0, casing="#cfe6fa", casing_width_pt=4.2, label_size_pt=8, label_color="#1f5f9e"),
            ("1", "tributary"): Style(stroke="#2b86d0", width_pt=1.5, casing="#d6eafb", casing_width_pt=3.2, label_size_pt=7.5, label_color="#1f5f9e"),
            ("0", "main"): Style(stroke="#5ea4dd", width_pt=1.2, label_size_pt=7.5, label_color="#2f6fa8"),
            ("0", "tributary"): Style(stroke="#86bbe6", width_pt=0.8, label_size_pt=7, label_color="#2f6fa8"),
        }
        return LayerStyle(base=combos[("0", "tributary")], fields=cols, classes=_classes(cols, combos), label_priority=1.5)
    if name == "railways":
        cols = ("kind", "status")
        kinds = {
            "high_speed": Style(stroke="#ffffff", width_pt=1.3, dash="rail", casing="#1a1a1a", casing_width_pt=2.8, label_size_pt=7.5),
            "conventional": Style(stroke="#ffffff", width_pt=0.9, dash="rail", casing="#4a4a4a", casing_width_pt=2.0, label_size_pt=7),
            "intercity": Style(stroke="#ffffff", width_pt=1.1, dash="rail", casing="#5b3f8c", casing_width_pt=2.4, label_size_pt=7),
            "suburban": Style(stroke="#ffffff", width_pt=0.9, dash="rail", casing="#7a5fa8", casing_width_pt=2.0, label_size_pt=7),
        }
        return LayerStyle(base=kinds["conventional"], fields=cols, classes=_classes(cols, _status_combos(kinds)), label_priority=3.0)
    if name == "expressways":
        cols = ("kind", "status")
        kinds = {
            "expressway": Style(stroke="#f5b335", width_pt=1.5, casing="#8a5200", casing_width_pt=2.9, label_size_pt=7),
            "national_road": Style(stroke="#fde6a0", width_pt=0.9, casing="#9c8a60", casing_width_pt=1.9, label_size_pt=6.5),
        }
        return LayerStyle(base=kinds["expressway"], fields=cols, classes=_classes(cols, _status_combos(kinds)), label_priority=2.5)
    if name == "stations":
        cols = ("status",)
        combos = {(s,): with_status(Style(fill="#ffffff", stroke="#1a1a1a", width_pt=1.0, symbol="circle", symbol_size_pt=5.0, label_size_pt=7), s, point=True) for s in STATUSES}
        combos[("planned",)] = replace(combos[("planned",)], stroke="#777777", dash="dot")
        combos[("under_construction",)] = replace(combos[("under_construction",)], fill="#bdbdbd", fill_opacity=1.0)
        return LayerStyle(base=combos[("operating",)], fields=cols, classes=_classes(cols, combos), label_priority=4.0)
    if name == "projects":
        cols = ("themes", "status")
        kinds = {k: Style(fill=c, stroke="#ffffff", width_pt=0.8, symbol=sym, symbol_size_pt=8.0, label_size_pt=7.5) for k, (c, sym) in THEME_STYLE.items()}
        return LayerStyle(base=kinds["transport"], fields=cols, classes=_classes(cols, _status_combos(kinds, point=True)), label_priority=4.5)
    if name == "project_lines":
        cols = ("themes", "status")
        kinds = {k: Style(stroke=c, width_pt=1.6, casing="#ffffff", casing_width_pt=2.8, label_size_pt=6.5) for k, (c, _sym) in THEME_STYLE.items()}
        return LayerStyle(base=kinds["transport"], fields=cols, classes=_classes(cols, _status_combos(kinds)), label_priority=3.5)
    if name == "partnerships":
        cols = ("themes", "status")
        kinds = {k: Style(stroke=c, width_pt=1.1, label_size_pt=6.5) for k, (c, _sym) in THEME_STYLE.items()}
        return LayerStyle(base=kinds["transport"], fields=cols, classes=_classes(cols, _status_combos(kinds)), label_priority=0.5)
    # user layers: neutral, by geometry
    gt = geometry_type.lower()
    if "point" in gt:
        base = Style(fill="#e03131", stroke="#ffffff", width_pt=0.8, symbol="circle", symbol_size_pt=6)
    elif "line" in gt:
        base = Style(stroke="#e03131", width_pt=1.4)
    else:
        base = Style(fill="#e03131", fill_opacity=0.25, stroke="#c92a2a", width_pt=1.0)
    return LayerStyle(base=base, label_priority=3.0)
