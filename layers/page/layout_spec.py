"""A print layout as a value (no Qt): what a page says and shows, saved as JSON or in a project.

`LayoutSpec` holds the choices a person makes for a page — title, subtitle, which legend
entries in which order under which labels, the inset, the extent, page size/orientation
(the preset) and DPI — and nothing the engine decides (the legend panel's size, the
column breaks).  `export_map(document, out, layout=spec)` prints it; the export dialog edits
it; `python main.py export OUT --layout FILE.json` reads it (options given on the command
line win).  Unset fields (None) keep the engine's defaults: the title names the circle and the
filtered places, the subtitle says what the filter keeps, the inset shows when zoomed in.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from geodata.core.message import Message, MessageError

FORMAT = "chengyu-layout"
FORMAT_VERSION = 1
MAX_TEXT = 300  # characters of a title, subtitle or legend label
MAX_ENTRIES = 500
EXTENT_KINDS = ("view", "selection", "district", "layer", "bbox")


class LayoutError(MessageError, ValueError):
    """A layout file or value that cannot be used; the message names the field."""


def _bad(zh: str, en: str, **values) -> LayoutError:
    return LayoutError(Message(zh, en).format(**values) if values else Message(zh, en))


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: the folded legend's (layer, key) — e.g. ("projects", "transport"),
    ("status", "planned") — shown or not, under its own label or `label`."""

    layer: str
    key: str
    label: str | None = None
    shown: bool = True


@dataclass(frozen=True)
class LayoutSpec:
    title: str | None = None  # None: 成渝地区双城经济圈 (· the filtered places)
    subtitle: str | None = None  # None: the filter caption; "": no subtitle
    preset: str = "a4-landscape"  # page size and orientation (layout_geometry.PRESETS)
    dpi: float | None = None  # None: the preset's (300; the slide 144)
    inset: bool | str = "auto"
    # None or "view": the document's extent (the window's view); "selection"; "district:大足区";
    # "layer:railways"; or a lon/lat bbox (west, south, east, north)
    extent: str | tuple[float, float, float, float] | None = None
    # None: every drawn entry in the engine's order; else these first, in this order (hidden
    # ones dropped), then any other drawn entry (a filter may draw classes the list never saw)
    legend: tuple[LegendItem, ...] | None = None

    def replace(self, **changes) -> "LayoutSpec":
        return check(replace(self, **changes))

    def export_options(self) -> dict:
        """The keyword arguments of `export_map` this layout stands for."""
        return {"preset": self.preset, "dpi": self.dpi, "title": self.title, "subtitle": self.subtitle,
                "extent": None if self.extent == "view" else self.extent, "inset": self.inset,
                "legend": self.legend}

    def to_dict(self) -> dict:
        data = asdict(self)
        data["extent"] = list(self.extent) if isinstance(self.extent, tuple) else self.extent
        data["legend"] = None if self.legend is None else [asdict(item) for item in self.legend]
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **data}

    @classmethod
    def from_dict(cls, data) -> "LayoutSpec":
        if not isinstance(data, dict):
            raise _bad("版式须是一个 JSON 对象", "a layout is a JSON object")
        data = dict(data)
        if data.pop("format", FORMAT) != FORMAT:
            raise _bad("不是版式文件：'format' 须为 {f}", "not a layout: 'format' must be {f}", f=repr(FORMAT))
        version = data.pop("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
            raise _bad("版式 format_version {v} 比本程序能读的（{mine}）新", "layout format_version {v} is newer than this program reads ({mine})",
                       v=repr(version), mine=FORMAT_VERSION)
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise _bad("未知的版式字段 {u}；可用：{k}", "unknown layout field(s) {u}; known: {k}",
                       u=", ".join(map(repr, unknown)), k=", ".join(sorted(known)))
        if isinstance(data.get("extent"), list):
            data["extent"] = tuple(data["extent"])
        legend = data.get("legend")
        if legend is not None:
            if not isinstance(legend, list):
                raise _bad("版式 'legend' 须是 {{layer, key, label, shown}} 的列表", "layout 'legend' must be a list of {{layer, key, label, shown}}",
                               braces="")
            data["legend"] = tuple(_legend_item(item, n) for n, item in enumerate(legend))
        return check(cls(**data))


def _legend_item(item, n: int) -> LegendItem:
    if not isinstance(item, dict) or set(item) - {"layer", "key", "label", "shown"}:
        raise _bad("图例第 {n} 项：须是含 layer、key（可选 label、shown）的对象",
               "legend entry {n}: an object with layer, key and optionally label, shown", n=n + 1)
    try:
        return LegendItem(**item)
    except TypeError:
        raise _bad("图例第 {n} 项：需要 'layer' 和 'key'", "legend entry {n}: needs 'layer' and 'key'", n=n + 1) from None


def _text(value, name: str) -> None:
    if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
        raise _bad("版式 {name} 须是不超过 {m} 个字符的文字", "layout {name} must be text of at most {m} characters",
                   name=repr(name), m=MAX_TEXT)


def check(spec: LayoutSpec) -> LayoutSpec:
    """`spec` when every field is usable, else LayoutError naming the field."""
    from layers.page.layout_geometry import PRESETS

    _text(spec.title, "title")
    _text(spec.subtitle, "subtitle")
    if spec.preset not in PRESETS:
        raise _bad("未知的版式纸张 {p}；可选：{all}", "unknown layout preset {p}; choose one of: {all}",
                   p=repr(spec.preset), all=", ".join(PRESETS))
    if spec.dpi is not None and (not isinstance(spec.dpi, (int, float)) or isinstance(spec.dpi, bool)
                                 or not math.isfinite(spec.dpi) or not 10 <= spec.dpi <= 1200):
        raise _bad("版式 'dpi' 须是 10 到 1200 的数，而不是 {v}", "layout 'dpi' must be a number from 10 to 1200, got {v}", v=repr(spec.dpi))
    if spec.inset not in (True, False, "auto"):
        raise _bad("版式 'inset' 须为 true、false 或 \"auto\"，而不是 {v}", "layout 'inset' must be true, false or \"auto\", got {v}",
                   v=repr(spec.inset))
    extent_kind(spec.extent)
    if spec.legend is not None:
        if len(spec.legend) > MAX_ENTRIES:
            raise _bad("版式 'legend' 超过 {m} 项", "layout 'legend' has more than {m} entries", m=MAX_ENTRIES)
        for n, item in enumerate(spec.legend):
            if not isinstance(item.layer, str) or not isinstance(item.key, str) or not isinstance(item.shown, bool):
                raise _bad("图例第 {n} 项：'layer' 和 'key' 须是文字，'shown' 为 true 或 false",
                           "legend entry {n}: 'layer' and 'key' are text, 'shown' true or false", n=n + 1)
            _text(item.label, f"legend entry {n + 1} label")
    return spec


def extent_kind(extent) -> str:
    """Which of EXTENT_KINDS `extent` is; LayoutError when it is none of them."""
    if extent is None or extent == "view":
        return "view"
    if extent == "selection":
        return "selection"
    if isinstance(extent, tuple):
        if len(extent) != 4 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                                       for v in extent):
            raise _bad("版式 'extent' 作为范围须是四个数：西、南、东、北（度）",
                       "layout 'extent' as a box is four numbers: west, south, east, north (degrees)")
        west, south, east, north = extent
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise _bad("版式 'extent' {e} 不满足 西<东、南<北（度）", "layout 'extent' {e} is not west<east, south<north in degrees",
                       e=list(extent))
        return "bbox"
    if isinstance(extent, str):
        kind, _, name = extent.partition(":")
        if kind in ("district", "layer") and name.strip() and len(extent) <= MAX_TEXT:
            return kind
    raise _bad("版式 'extent' {e}：请用 \"view\"、\"selection\"、\"district:名称\"、\"layer:名称\" 或 [西, 南, 东, 北]",
               "layout 'extent' {e}: use \"view\", \"selection\", \"district:NAME\", \"layer:NAME\" or [west, south, east, north]",
               e=repr(extent))


def apply_legend(entries: list, items: tuple[LegendItem, ...] | None) -> list:
    """The folded legend `entries` (LegendEntry values) as `items` order, hide and rename them."""
    if items is None:
        return list(entries)
    by_id = {(e.layer, e.key): e for e in entries}
    out, seen = [], set()
    for item in items:
        ident = (item.layer, item.key)
        seen.add(ident)
        entry = by_id.get(ident)
        if entry is None or not item.shown:
            continue
        if item.label:
            entry = replace(entry, label_zh=item.label, label_en=item.label)
        out.append(entry)
    out.extend(e for e in entries if (e.layer, e.key) not in seen)
    return out


def load_layout(path: str | os.PathLike) -> LayoutSpec:
    """The layout in JSON file `path`; LayoutError (one line) when it cannot be read or used."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _bad("无法读取版式 {path}：{why}", "cannot read layout {path}: {why}", path=str(path), why=exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise _bad("版式 {path} 不是 UTF-8 文本", "layout {path} is not UTF-8 text", path=str(path)) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise _bad("版式 {path} 不是有效的 JSON：{why}", "layout {path} is not valid JSON: {why}", path=str(path), why=str(exc)) from None
    return LayoutSpec.from_dict(data)


def save_layout(spec: LayoutSpec, path: str | os.PathLike) -> Path:
    """Write `spec` as JSON (atomic: the old file or the new, never half)."""
    from geodata.core.atomic import atomic_write_text

    path = Path(path)
    atomic_write_text(path, json.dumps(check(spec).to_dict(), ensure_ascii=False, indent=2) + "\n")
    return path
