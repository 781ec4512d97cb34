"""The legend folded like a planning map's: one entry per theme/kind symbol, and one small
status key (solid = operating, dashed = under construction, dotted/light = planned)
shown once for all layers.

The renderer's `RenderResult.legend` lists every drawn class (theme × status: ~59 rows
at full extent); `fold_legend` turns it into what a reader needs, still only what is
drawn: a status key row exists only for a status actually drawn.
"""
from __future__ import annotations

from dataclasses import dataclass

from geodata.core.message import Message
from geodata.core.themes import STATUSES
from layers.render.request import LegendEntry
from layers.model.style import Style, describe_key

STATUS_LAYER = "status"  # the key's pseudo layer name (LegendEntry.layer)
STATUS_TITLE = ("建设状态", "Status")
STATUS_GEOMETRY = "status"  # swatch: a line sample and a point sample in that status
# neutral grey samples, in the renderer's status conventions (layers.model.style.with_status)
STATUS_STYLES: dict[str, Style] = {
    "operating": Style(fill="#666666", stroke="#666666", width_pt=1.6, symbol="circle", symbol_size_pt=6),
    "under_construction": Style(fill="#666666", fill_opacity=0.55, stroke="#666666", width_pt=1.6, dash="dash",
                                symbol="circle", symbol_size_pt=6),
    "planned": Style(fill="#ffffff", stroke="#8c8c8c", width_pt=1.6, dash="dot", symbol="circle", symbol_size_pt=6),
}


def _split(fields: tuple[str, ...], key: str) -> tuple[str, str | None]:
    """(key without its status part, the status) for a class key of `fields`."""
    if "status" not in fields:
        return key, None
    parts = key.split("|")
    pos = fields.index("status")
    if pos >= len(parts):
        return key, None
    status = parts.pop(pos)
    return "|".join(parts), status


def fold_legend(entries: list[LegendEntry], document) -> list[LegendEntry]:
    """Fold status out of the classes of layers classified by status; append the status key.

    A folded entry keeps the renderer's order (topmost layer first, first appearance),
    sums the counts, and shows the operating (solid) symbol of its theme/kind, so a legend
    of planned projects still shows the theme's symbol rather than a hollow one.
    """
    folded: dict[tuple[str, str], LegendEntry] = {}
    statuses: dict[str, int] = {}
    for entry in entries:
        layer = _layer(document, entry.layer)
        fields = tuple(layer.style.fields) if layer is not None and not layer.style.by_attribute else ()
        base, status = _split(fields, entry.key) if entry.key != "focus" else (entry.key, None)
        if status is None or status not in STATUSES:
            folded[(entry.layer, entry.key)] = entry
            continue
        statuses[status] = statuses.get(status, 0) + entry.count
        slot = (entry.layer, "~" + base)
        known = folded.get(slot)
        if known is not None:
            folded[slot] = LegendEntry(**{**known.__dict__, "count": known.count + entry.count})
            continue
        solid = layer.style.style_class(_join(fields, base, "operating"), (layer.title_zh, layer.title_en))
        if len(fields) > 1:
            zh, en = describe_key(tuple(f for f in fields if f != "status"), base)
        else:  # classified by status only (stations): the layer itself
            zh, en = layer.title_zh, layer.title_en
        folded[slot] = LegendEntry(entry.layer, entry.layer_title_zh, entry.layer_title_en, base, zh, en,
                                   solid.style, entry.geometry, entry.count)
    out = list(folded.values())
    for status in ("operating", "under_construction", "planned"):  # a fixed order; only statuses drawn
        if status in statuses:
            zh, en = STATUSES[status]
            out.append(LegendEntry(STATUS_LAYER, *STATUS_TITLE, status, zh, en, STATUS_STYLES[status],
                                   STATUS_GEOMETRY, statuses[status]))
    return out


def _join(fields: tuple[str, ...], base: str, status: str) -> str:
    parts = base.split("|") if base else []
    parts.insert(fields.index("status"), status)
    return "|".join(parts)


def _layer(document, name: str):
    return document.layer(name) if name in document else None


# ---- grouping for a page legend ----------------------------------------------------

CONTINUED = Message("（续）", " (cont.)")  # a group's heading repeated at the top of the next column


@dataclass(frozen=True)
class LegendRow:
    """One row of a page legend: a heading, or a symbol with its label.

    `lead` is the bold part of a symbol row (a one-class layer's own name, so the row
    describes itself instead of reading as part of the group above); `text` the rest.
    """
    kind: str  # "heading" | "entry"
    text: str
    entry: LegendEntry | None = None
    lead: str = ""

    @property
    def label(self) -> str:
        return self.lead + self.text


@dataclass(frozen=True)
class LegendBlock:
    """A layer's rows as a unit for column breaking: its heading (if any) and its entries.

    `keep_whole` blocks (the status key) never split across columns; other headed
    blocks may, with the heading repeated; a one-row block is one self-describing row.
    """
    layer: str
    heading: str | None
    rows: tuple[LegendRow, ...]
    keep_whole: bool = False


def legend_blocks(entries: list[LegendEntry], language: str = "zh") -> list[LegendBlock]:
    """Group folded entries by layer, in the renderer's order (topmost layer first).

    A layer with several classes gets its title as a heading over its entries; a
    one-class layer becomes one row naming the layer ("合作结对：生态环保"), or just its
    label when that already names it ("车站", "地级市界", "Expressway").
    """
    en = language == "en"
    by_layer: dict[str, list[LegendEntry]] = {}
    for entry in entries:
        by_layer.setdefault(entry.layer, []).append(entry)
    blocks: list[LegendBlock] = []
    for layer, items in by_layer.items():
        title = items[0].layer_title_en if en else items[0].layer_title_zh
        labels = [_compact(e.label(language), en) for e in items]
        if len(items) > 1 or layer == STATUS_LAYER:
            rows = tuple(LegendRow("entry", text, e) for e, text in zip(items, labels))
            blocks.append(LegendBlock(layer, title, rows, keep_whole=layer == STATUS_LAYER))
            continue
        entry, text = items[0], labels[0]
        if not title or not entry.key or _names(text, title, en):
            row = LegendRow("entry", "", entry, lead=text)
        else:
            row = LegendRow("entry", text, entry, lead=title + (": " if en else "："))
        blocks.append(LegendBlock(layer, None, (row,)))
    return blocks


def _compact(label: str, en: bool) -> str:
    return label if en else label.replace(" · ", "·")  # CJK needs no spaces round the dot


def _names(label: str, title: str, en: bool) -> bool:
    """Does `label` already name its layer `title`? ("地级市界" ⊃ "地级市"; "Expressway" ~ "Expressways")"""
    if en:  # singular/plural: compare the title's stem
        label, title = label.lower(), title.lower().rstrip("s")
    return title in label or label in title
