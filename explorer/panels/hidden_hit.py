"""A search result the map does not show: say why (the filter's theme, status, area, years or text,
or a layer switched off) and offer to show it, instead of zooming to an empty spot without a word."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from explorer import i18n
from explorer.plain_text import plain, shown
from geodata.core.message import Message
from layers.model.filter import Filter

HIDDEN_TITLE = Message("搜索结果未显示", "Search result not shown")
HIDDEN = Message("“{name}”在地图上没有显示：{why}。", "“{name}” is not shown on the map: {why}.")
BY_FILTER = Message("被当前筛选（{dims}）隐藏", "the current filter ({dims}) hides it")
LAYER_OFF = Message("图层“{layer}”已关闭", "layer “{layer}” is switched off")
SHOW_IT = Message("显示它", "Show it")
KEEP = Message("保持现状", "Leave as it is")
AND = Message("、", ", ")
THEN = Message("；", "; ")
SHOWN_NOW = Message("已放宽筛选并显示“{name}”", "Filter relaxed: “{name}” is shown")
DIMENSIONS: dict[str, tuple[Message, dict]] = {  # dimension -> (its name, the filter fields that clear it)
    "themes": (Message("专题", "theme"), {"themes": []}),
    "statuses": (Message("状态", "status"), {"statuses": []}),
    "place": (Message("区域", "area"), {"provinces": [], "cities": [], "districts": []}),
    "years": (Message("年份", "years"), {"year_min": None, "year_max": None, "keep_undated": False}),
    "text": (Message("关键词", "text"), {"text": ""}),
}


def hiding_dimensions(document, layer_name: str, row: int) -> list[str]:
    """The filter dimensions that each on its own leave feature `row` of the layer out."""
    layer = document.layer(layer_name)
    flt = document.filter
    if flt.mask(layer)[row]:
        return []
    out = []
    for dim, (_, clear) in DIMENSIONS.items():
        only = Filter().replace(**{k: getattr(flt, k) for k in clear})  # this dimension alone
        if not only.is_empty and not only.mask(layer)[row]:
            out.append(dim)
    return out


def relaxed(flt: Filter, dims: list[str]) -> Filter:
    """`flt` without the dimensions `dims`."""
    changes: dict = {}
    for dim in dims:
        changes.update(DIMENSIONS[dim][1])
    return flt.replace(**changes)


def offer(window, layer_name: str, row: int, name: str) -> QMessageBox | None:
    """If the map hides the feature, a (non-blocking) box saying why, with "Show it"; None when shown."""
    doc = window.document
    layer = doc.layer(layer_name)
    dims = hiding_dimensions(doc, layer_name, row)
    if not dims and layer.visible:
        return None
    reasons = []
    if dims:
        reasons.append(i18n.ui(BY_FILTER, dims=i18n.ui(AND).join(i18n.ui(DIMENSIONS[d][0]) for d in dims)))
    if not layer.visible:
        reasons.append(i18n.ui(LAYER_OFF, layer=layer.title(i18n.language())))
    text = i18n.ui(HIDDEN, name=name, why=i18n.ui(THEN).join(reasons))
    box = plain(QMessageBox(QMessageBox.Icon.Information, i18n.ui(HIDDEN_TITLE), shown(text, False),
                            QMessageBox.StandardButton.NoButton, window))
    show = box.addButton(i18n.ui(SHOW_IT), QMessageBox.ButtonRole.AcceptRole)
    show.setObjectName("show")
    box.setDefaultButton(show)
    box.setEscapeButton(box.addButton(i18n.ui(KEEP), QMessageBox.ButtonRole.RejectRole))

    def show_it() -> None:
        if dims:
            doc.set_filter(relaxed(doc.filter, dims))
        if not doc.layer(layer_name).visible:
            doc.set_visible(layer_name, True)
        window.statusBar().showMessage(shown(i18n.ui(SHOWN_NOW, name=name)), 10000)

    show.clicked.connect(show_it)
    box.open()
    return box
