"""Readable names of the bundle's fields, Chinese and English, for every view that shows a column
(identify panel, attribute table headers).  A field of the user's own data keeps its own name."""
from __future__ import annotations

from geodata.core.message import Message

FIELD_LABELS: dict[str, Message] = {
    "id": Message("编号", "ID"),
    "name_zh": Message("名称", "Name (Chinese)"),
    "name_en": Message("英文名称", "Name"),
    "themes": Message("专题", "Themes"),
    "status": Message("状态", "Status"),
    "status_basis": Message("状态依据（原文用词）", "Status basis (source wording)"),
    "status_mode": Message("状态语气", "Status mode"),
    "status_sentence": Message("状态原文", "Status sentence"),
    "status_file": Message("状态来源文件", "Status source file"),
    "year": Message("年份", "Year"),
    "year_kind": Message("年份类型", "Year kind"),
    "year_basis": Message("年份依据", "Year basis"),
    "doc_year": Message("文件年份", "Document year"),
    "kind": Message("类型", "Kind"),
    "adcode": Message("行政区划代码", "Admin code"),
    "district_adcode": Message("所在区县代码", "District code"),
    "district_adcodes": Message("途经区县代码", "District codes (along the line)"),
    "province_zh": Message("省/市", "Province"),
    "province_adcode": Message("省级代码", "Province code"),
    "city_zh": Message("市", "City"),
    "city_adcode": Message("地级市代码", "City code"),
    "area_km2": Message("面积 (km²)", "Area (km²)"),
    "investment_yi": Message("投资（亿元）", "Investment (100 M yuan)"),
    "in_circle": Message("在经济圈内", "In the circle"),
    "partial": Message("部分纳入", "Partly in"),
    "start_date": Message("开工日期", "Start date"),
    "open_date": Message("开通日期", "Opening date"),
    "placement_note": Message("位置说明", "Placement note"),
    "control_points": Message("控制点", "Control points"),
    "source": Message("数据来源", "Source"),
    "geometry_quality": Message("几何质量", "Geometry quality"),
    "source_file": Message("来源文件", "Source file"),
    "source_title": Message("来源标题", "Source title"),
    "source_date": Message("来源日期", "Source date"),
    "source_sentence": Message("原文", "Sentence"),
    "a_name": Message("一方", "Partner A"),
    "a_adcode": Message("一方代码", "Partner A code"),
    "a_in_circle": Message("一方在经济圈内", "Partner A in the circle"),
    "b_name": Message("另一方", "Partner B"),
    "b_adcode": Message("另一方代码", "Partner B code"),
    "b_in_circle": Message("另一方在经济圈内", "Partner B in the circle"),
    "seat_zh": Message("驻地", "Seat"),
    "level": Message("级别", "Level"),
    "railway_id": Message("所属铁路", "Railway"),
    "role": Message("站点角色", "Station role"),
    "ref": Message("路线编号", "Route number"),
    "ref_basis": Message("编号依据", "Route number basis"),
    "note": Message("说明", "Note"),
    "cross_border": Message("跨界", "Cross-border"),
}


def field_label(name: str, language: str = "zh") -> str:
    """The readable name of field `name` in `language`; an unknown field keeps its own name."""
    label = FIELD_LABELS.get(name)
    return label.text(language) if label is not None else name
