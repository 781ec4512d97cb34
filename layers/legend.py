"""The legend folded like a planning map's: one entry per theme/kind symbol, and one small
status key (solid = operating, dashed = under construction, dotted/light = planned)
shown once for all layers.

The renderer's `RenderResult.legend` lists every drawn class (theme × status: ~59 rows
at full extent); `fold_legend` turns it into what a reader needs, still only what is
drawn: a status key row exists only for a status actually drawn.
"""
from __future__ import annotations

from geodata.themes import STATUSES
from layers.render import LegendEntry
from layers.style import Style, describe_key

STATUS_LAYER = "status"  # the key's pseudo layer name (LegendEntry.layer)
STATUS_TITLE = ("建设状态", "Status")
STATUS_GEOMETRY = "status"  # swatch: a line sample and a point sample in that status
# neutral grey samples, in the renderer's status conventions (layers.style.with_status)
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
        fields = tuple(layer.style.fields) if layer is not None else ()
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
    for layer in getattr(document, "layers", []):
        if layer.name == name:
            return layer
    return None
