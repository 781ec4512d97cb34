"""The main window's texts: title, menus, actions and their tooltips, docks, status bar.

Kept beside `main_window.py` (which would otherwise pass 600 lines); every other widget keeps
its texts in its own module.  All are `Message`s, shown with `explorer.i18n.ui`.
"""
from __future__ import annotations

from geodata.core.message import Message

TITLE = Message("成渝地区双城经济圈 地图浏览器", "Chengdu–Chongqing Economic Circle Explorer")
ABOUT = Message("成渝地区双城经济圈 GIS 浏览器\n数据均以 WGS84 存储；示意几何会标注为“示意”。",
                "Chengdu–Chongqing economic circle GIS explorer\n"
                "All data stored in WGS84; hand-placed geometry is marked schematic.")

MENUS: dict[str, Message] = {
    "file": Message("文件(&F)", "&File"),
    "edit": Message("编辑(&E)", "&Edit"),  # added by explorer/actions/history_actions.py
    "view": Message("视图(&V)", "&View"),
    "layer": Message("图层(&L)", "&Layer"),
    "tools": Message("工具(&T)", "&Tools"),
    "help": Message("帮助(&H)", "&Help"),
    "bookmarks": Message("书签", "Bookmarks"),
    "panels": Message("面板", "Panels"),
    "language": Message("语言", "Language"),
}

# The window's own actions: key -> (text, tooltip or None for the text itself).
ACTIONS: dict[str, tuple[Message, Message | None]] = {
    "act.export": (Message("导出地图…", "Export map…"),
                   Message("导出地图为 PNG、SVG、PDF（带图例、比例尺）", "Export the map as PNG, SVG or PDF (legend, scale bar)")),
    "act.quit": (Message("退出", "Quit"), None),
    "act.full_extent": (Message("全图", "Full extent"),
                        Message("全图：显示整个经济圈", "Full extent: the whole economic circle")),
    "act.zoom_in": (Message("放大", "Zoom in"), None),
    "act.zoom_out": (Message("缩小", "Zoom out"), None),
    "act.zoom_layer": (Message("缩放到图层", "Zoom to layer"), None),
    "act.zoom_selection": (Message("缩放到所选要素", "Zoom to selection"), None),
    "act.add_bookmark": (Message("添加书签…", "Add bookmark…"), None),
    "act.about": (Message("关于", "About"), None),
    "act.pan": (Message("平移/识别", "Pan / identify"),
                Message("拖动平移地图，单击要素查看属性", "Drag to pan, click a feature to see its attributes")),
    "act.measure_distance": (Message("测量距离", "Measure distance"),
                             Message("测量大地线距离：单击加点，双击结束",
                                     "Measure a geodesic distance: click points, double-click to finish")),
    "act.measure_area": (Message("测量面积", "Measure area"),
                         Message("测量面积：单击加点，双击结束", "Measure an area: click points, double-click to finish")),
    "act.chinese": (Message("中文", "中文 (Chinese)"), None),
    "act.english": (Message("English", "English"), None),
}
WITH_SHORTCUT = Message("{text}（{keys}）", "{text} ({keys})")  # a tooltip naming the action's shortcut
TOOLBAR = Message("工具栏", "Toolbar")  # its entry in the window's right-click menu of panels
TABLE_TIP = Message("显示或收起地图下方的属性表", "Show or fold the attribute table under the map")

DOCKS: dict[str, Message] = {
    "filter": Message("专题筛选", "Theme filter"),
    "layers": Message("图层", "Layers"),
    "identify": Message("要素信息", "Identify"),
    "table": Message("属性表", "Attribute table"),
}

SCALE = Message("比例尺 1:{n}", "Scale 1:{n}")
RENDERING = Message("绘制中…", "Rendering…")
# The status bar's count and the filter panel's count differ by design: each says what it counts.
RENDERED = Message("本视图绘制 {count}（含边界、线路）", "{count} drawn in this view (incl. boundaries, lines)")
RENDERED_TIP = Message("当前视图中实际绘制的各图层要素：区县边界、线路、站点、项目等（经筛选）",
                       "Every feature drawn in the current view, all layers: boundaries, lines, stations, "
                       "projects… (after the filter)")
NO_DATA = Message("未找到内置数据：{error}", "Bundled data not found: {error}")

MEASURE_DISTANCE = Message("距离：共 {km:.2f} km（大地线）", "Distance: {km:.2f} km in all (geodesic)")
MEASURE_SEGMENTS = Message("；各段 {parts}", "; segments {parts}")
MEASURE_TOTAL = Message("共 {length}", "total {length}")  # beside the last point on the map
MEASURE_AREA = Message("面积：{km2:.2f} km²（大地线）", "Area: {km2:.2f} km² (geodesic)")
MEASURE_HINT = Message("单击添加点，双击结束，Esc 清除", "Click to add points, double-click to finish, Esc to clear")

BOOKMARK_NAME = Message("书签名称", "Bookmark name")
BOOKMARK_DEFAULT = Message("视图 {n}", "View {n}")
