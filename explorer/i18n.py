"""Chinese/English UI strings.

A small dict translator instead of Qt .ts/.qm: the UI has a few hundred words, both
languages sit side by side here (reviewable in one file, no lrelease build step), and
switching language at run time is one `set_language()` plus a `language_changed`
callback to the widgets.  Chinese is the source of truth; English is available.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from geodata.core import language as locale_rule

# key -> (中文, English)
STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("成渝地区双城经济圈 地图浏览器", "Chengdu–Chongqing Economic Circle Explorer"),
    "menu.file": ("文件(&F)", "&File"),
    "menu.view": ("视图(&V)", "&View"),
    "menu.tools": ("工具(&T)", "&Tools"),
    "menu.help": ("帮助(&H)", "&Help"),
    "menu.language": ("语言", "Language"),
    "menu.bookmarks": ("书签", "Bookmarks"),
    "menu.panels": ("面板", "Panels"),
    "act.export": ("导出地图…", "Export map…"),
    "act.quit": ("退出", "Quit"),
    "act.full_extent": ("全图", "Full extent"),
    "act.zoom_in": ("放大", "Zoom in"),
    "act.zoom_out": ("缩小", "Zoom out"),
    "act.zoom_layer": ("缩放到图层", "Zoom to layer"),
    "act.zoom_selection": ("缩放到所选要素", "Zoom to selection"),
    "act.pan": ("平移/识别", "Pan / identify"),
    "act.measure_distance": ("测量距离", "Measure distance"),
    "act.measure_area": ("测量面积", "Measure area"),
    "act.add_bookmark": ("添加书签…", "Add bookmark…"),
    "act.about": ("关于", "About"),
    "act.chinese": ("中文", "中文 (Chinese)"),
    "act.english": ("English", "English"),
    "act.copy": ("复制所选行", "Copy selected rows"),
    "act.layer_info": ("图层信息", "Layer info"),
    "act.colour": ("颜色…", "Colour…"),
    "tip.full_extent": ("全图：显示整个经济圈", "Full extent: the whole economic circle"),
    "tip.zoom_in": ("放大", "Zoom in"),
    "tip.zoom_out": ("缩小", "Zoom out"),
    "tip.pan": ("拖动平移地图，单击要素查看属性", "Drag to pan, click a feature to see its attributes"),
    "tip.measure_distance": ("测量大地线距离：单击加点，双击结束", "Measure a geodesic distance: click points, double-click to finish"),
    "tip.measure_area": ("测量面积：单击加点，双击结束", "Measure an area: click points, double-click to finish"),
    "tip.export": ("导出地图为 PNG、SVG、PDF（带图例、比例尺）", "Export the map as PNG, SVG or PDF (legend, scale bar)"),
    "tip.table": ("显示或收起地图下方的属性表", "Show or fold the attribute table under the map"),
    "dock.layers": ("图层", "Layers"),
    "dock.filter": ("专题筛选", "Theme filter"),
    "dock.table": ("属性表", "Attribute table"),
    "dock.identify": ("要素信息", "Identify"),
    "dock.measure": ("测量", "Measure"),
    "filter.themes": ("专题", "Themes"),
    "filter.status": ("状态", "Status"),
    "filter.years": ("年份", "Years"),
    "filter.area": ("区域", "Area"),
    "filter.text": ("关键词", "Text"),
    "filter.all": ("全部", "All"),
    "filter.only_theme": ("只看此专题", "Only this theme"),
    "filter.all_themes": ("显示全部专题", "All themes"),
    "filter.keep_undated": ("保留未注明年份的要素", "Keep features without a year"),
    "filter.province": ("省/市", "Province"),
    "filter.city": ("市", "City"),
    "filter.district": ("区县", "District"),
    "filter.reset": ("重置筛选", "Reset filter"),
    # The two counts a reader sees side by side say what they count (they differ by design).
    "filter.shown": ("筛选后 {n} 个专题要素（全图）", "{n} thematic features after the filter (whole map)"),
    "filter.shown.one": ("筛选后 1 个专题要素（全图）", "1 thematic feature after the filter (whole map)"),
    "filter.shown.tip": ("带专题或状态的要素（重点项目、导入的专题图层）中符合筛选条件的个数，不论是否在当前视图内",
                         "Features with a theme or status (projects, imported theme layers) that the filter keeps, "
                         "counted over the whole map, in view or not"),
    "filter.current": ("当前筛选：{text}", "Filter: {text}"),
    "layer.opacity": ("不透明度", "Opacity"),
    "layer.width": ("线宽", "Width"),
    "layer.info": (
        "图层：{title}\n来源：{source}\n要素数：{count}（筛选后 {shown}）\n几何质量：{quality}",
        "Layer: {title}\nSource: {source}\nFeatures: {count} ({shown} after filter)\nGeometry quality: {quality}",
    ),
    "quality.surveyed": ("实测（测绘数据集）", "surveyed (from a surveyed dataset)"),
    "quality.derived": ("派生（由实测数据计算）", "derived (computed from surveyed data)"),
    "quality.schematic": ("示意（按控制点手工放置）", "schematic (placed by hand through control points)"),
    "search.placeholder": ("搜索区县、项目、站点、线路（中文/拼音/首字母）", "Search districts, projects, stations, lines (中文 / pinyin / initials)"),
    "identify.none": ("点击地图上的要素查看属性", "Click a feature on the map to see its attributes"),
    "identify.source": ("来源文件", "Source document"),
    "identify.date": ("日期", "Date"),
    "identify.sentence": ("原文", "Sentence"),
    "identify.field": ("字段", "Field"),
    "identify.value": ("值", "Value"),
    "measure.distance": ("距离：{km:.2f} km（大地线）", "Distance: {km:.2f} km (geodesic)"),
    "measure.area": ("面积：{km2:.2f} km²（大地线）", "Area: {km2:.2f} km² (geodesic)"),
    "measure.hint": ("单击添加点，双击结束，Esc 清除", "Click to add points, double-click to finish, Esc to clear"),
    "status.scale": ("比例尺 1:{n}", "Scale 1:{n}"),
    "status.rendering": ("绘制中…", "Rendering…"),
    "status.rendered": ("本视图绘制 {n} 个要素（含边界、线路）", "{n} features drawn in this view (incl. boundaries, lines)"),
    "status.rendered.one": ("本视图绘制 1 个要素（含边界、线路）", "1 feature drawn in this view (incl. boundaries, lines)"),
    "status.rendered.tip": ("当前视图中实际绘制的各图层要素：区县边界、线路、站点、项目等（经筛选）",
                            "Every feature drawn in the current view, all layers: boundaries, lines, stations, "
                            "projects… (after the filter)"),
    "status.plugin_failed": ("插件 {name} 加载失败：{error}", "Plugin {name} failed to load: {error}"),
    "status.no_data": ("未找到内置数据：{error}", "Bundled data not found: {error}"),
    "export.title": ("导出地图", "Export map"),
    "export.preset": ("版式", "Layout"),
    "export.format": ("格式", "Format"),
    "export.dpi": ("分辨率 (dpi)", "Resolution (dpi)"),
    "export.map_title": ("标题", "Title"),
    "export.save": ("导出…", "Export…"),
    "export.done": ("已导出：{path}", "Exported: {path}"),
    "export.failed": ("导出失败：{error}", "Export failed: {error}"),
    "export.preview": ("预览", "Preview"),
    "preset.a4-portrait": ("A4 纵向", "A4 portrait"),
    "preset.a4-landscape": ("A4 横向", "A4 landscape"),
    "preset.a3-portrait": ("A3 纵向", "A3 portrait"),
    "preset.a3-landscape": ("A3 横向", "A3 landscape"),
    "preset.slide-16x9": ("16:9 幻灯片（1920×1080）", "16:9 slide (1920×1080)"),
    "export.web_next": ("网页地图选项…", "Web map options…"),
    "export.web_hint": ("网页地图在专门的对话框中导出：可选择底图（OpenStreetMap、天地图、高德）。",
                        "Web maps are exported from their own dialog, where you choose the basemap "
                        "(OpenStreetMap, Tianditu, Amap)."),
    "export.cancel": ("取消导出", "Cancel export"),
    "export.cancelled": ("已取消，未写入任何文件", "Cancelled; nothing was written"),
    "bookmark.name": ("书签名称", "Bookmark name"),
    "bookmark.default": ("视图 {n}", "View {n}"),
    "about.text": (
        "成渝地区双城经济圈 GIS 浏览器\n数据均以 WGS84 存储；示意几何会标注为“示意”。",
        "Chengdu–Chongqing economic circle GIS explorer\nAll data stored in WGS84; hand-placed geometry is marked schematic.",
    ),
}

LANGUAGES = ("zh", "en")
_language = "zh"
_listeners: list[Callable[[str], None]] = []


def system_language(locale: QLocale | None = None) -> str:
    """Chinese first, by the rule the CLI uses too (`geodata.core.language`): `zh` for an unset,
    C/POSIX or Chinese locale, `en` for any other named language.  Without `locale`, the
    environment's (LC_ALL > LC_MESSAGES > LANG, as Qt reads it)."""
    if locale is None:
        return locale_rule.system_language()
    return locale_rule.language_for_locale(locale.name())


_qt_translator: QTranslator | None = None
_qt_installed = False


def qt_translations_dir() -> str:
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)


def apply_qt_translations(lang: str) -> bool:
    """Qt's own texts (dialog buttons, file dialogs) in `lang`: installs PySide6's
    `qtbase_zh_CN` for Chinese, removes it for English.  True when Qt speaks `lang`."""
    global _qt_translator, _qt_installed
    app = QCoreApplication.instance()
    if app is None:
        return False
    if lang == "en":
        if _qt_installed:
            QCoreApplication.removeTranslator(_qt_translator)
            _qt_installed = False
        return True
    if _qt_installed:
        return True
    if _qt_translator is None:
        translator = QTranslator(app)
        if not translator.load("qtbase_zh_CN", qt_translations_dir()):
            return False  # a Qt build without translations: our own button texts are set by hand
        _qt_translator = translator
    _qt_installed = QCoreApplication.installTranslator(_qt_translator)
    return _qt_installed


def language() -> str:
    return _language


def set_language(lang: str) -> None:
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {LANGUAGES}")
    apply_qt_translations(lang)
    if lang == _language:
        return
    _language = lang
    for callback in list(_listeners):
        try:
            callback(lang)
        except RuntimeError:  # the widget behind it was deleted: forget it
            remove_listener(callback)


def on_language_changed(callback: Callable[[str], None]) -> None:
    _listeners.append(callback)


def remove_listener(callback: Callable[[str], None]) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


def tr(key: str, **values: object) -> str:
    """The string for `key` in the current language, formatted with `values`."""
    pair = STRINGS.get(key)
    text = key if pair is None else pair[0 if _language == "zh" else 1]
    return text.format(**values) if values else text


def translator(table: dict[str, tuple[str, str]]):
    """`t(key, **values)` over a feature module's own {key: (zh, en)} table, in the current language.

    Plugins (data actions, field check, web export) keep their strings beside their code
    instead of growing STRINGS; this is the one lookup they share.
    """

    def t(key: str, **values: object) -> str:
        zh, en = table[key]
        text = en if _language == "en" else zh
        return text.format(**values) if values else text

    return t


def tr_count(key: str, n: int, **values: object) -> str:
    """`tr(key, n=n)`, using `key.one` for a count of one where it exists (English: "1 feature")."""
    return tr(f"{key}.one" if n == 1 and f"{key}.one" in STRINGS else key, n=n, **values)


def pick(zh: str | None, en: str | None) -> str:
    """Chinese or English of a data label, falling back to whichever exists."""
    if _language == "en":
        return en or zh or ""
    return zh or en or ""
