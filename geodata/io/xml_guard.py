"""KML and GPX are XML: each is parsed safely (defusedxml) before GDAL or gpxpy sees it.

- Entity declarations (billion laughs, external entities reading local files or URLs) are
  refused: KML and GPX never need them.  Nothing is expanded, nothing is fetched.
- Coordinates are checked by the one rule of `coordinate_check.py`: a KML placemark, a GPX
  waypoint, route or track with a coordinate that does not parse, is NaN/infinite or beyond
  ±180°/±90° is skipped and named (GDAL reads `<coordinates>abc,def</coordinates>` as 0, 0,
  gpxpy refuses the whole file for one bad `lat=`).
- KML network links are removed and reported: this explorer reads nothing from the internet.
When something is removed, the cleaned document is what the reader gets.
"""
from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from geodata.core.message import Message
from geodata.io.coordinate_check import SHOWN
from geodata.io.errors import DataImportError

MAX_XML_BYTES = 256 * 1024 * 1024  # a KML/GPX is parsed whole (twice when cleaned): bounded memory
_COMMAS = re.compile(r"\s*,\s*")


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _degrees_ok(lon: float, lat: float) -> bool:
    return math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90


def _kml_coordinates_ok(text: str | None, spaced: bool = False) -> bool:
    """A <coordinates> text ("lon,lat[,alt] …") or, `spaced`, a gx:coord ("lon lat [alt]")."""
    text = (text or "").strip()
    if not text:
        return True  # empty geometry: GDAL gives an empty one, which the import drops and reports
    tuples = [text.split()] if spaced else [t.split(",") for t in _COMMAS.sub(",", text).split()]
    for parts in tuples:
        if parts and parts[-1] == "":
            parts = parts[:-1]  # "105.7,29.7," — a trailing comma GDAL accepts
        if not 2 <= len(parts) <= 3:
            return False
        try:
            values = [float(p) for p in parts]
        except ValueError:
            return False
        if not all(math.isfinite(v) for v in values) or not _degrees_ok(values[0], values[1]):
            return False
    return True


def _gpx_point_ok(elem) -> bool:
    try:
        return _degrees_ok(float(elem.get("lon")), float(elem.get("lat")))
    except (TypeError, ValueError):
        return False


def _events(text: str, name: str, events=("start", "start-ns"), keep: bool = True):
    """iterparse over `text` with entities refused; DataImportError for entities and broken XML.
    Without `keep`, each element is cleared at its end (one streaming pass, little memory)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    try:
        for event, item in iterparse(io.StringIO(text), events=events, forbid_dtd=False,
                                     forbid_entities=True, forbid_external=True):
            yield event, item
            if not keep and event == "end" and _local(item.tag) in ("Placemark", "NetworkLink"):
                item.clear()
    except DefusedXmlException as exc:
        raise DataImportError(Message(f"{name} 声明了 XML 实体（可用于读取本机文件或耗尽内存），已拒绝",
                                      f"declares XML entities (which can read local files or exhaust memory): "
                                      f"refused ({type(exc).__name__})")) from exc
    except ET.ParseError as exc:
        raise DataImportError(Message(f"{name} 不是有效的 XML", f"is not well-formed XML: {exc}")) from exc


def _parse(text: str, name: str):
    """(root element, {prefix: uri}) of `text`."""
    namespaces: dict[str, str] = {}
    root = None
    for event, item in _events(text, name):
        if event == "start-ns":
            namespaces.setdefault(item[0], item[1])
        elif root is None:
            root = item
    if root is None:
        raise DataImportError(Message(f"{name} 没有内容", "holds no XML element"))
    return root, namespaces


def _placemark_ok(elem) -> bool:
    return all(_kml_coordinates_ok(c.text, spaced=_local(c.tag) == "coord") for c in elem.iter()
               if _local(c.tag) in ("coordinates", "coord"))


def _serialise(root, namespaces: dict[str, str]) -> str:
    for prefix, uri in namespaces.items():
        try:
            ET.register_namespace(prefix, uri)  # keep the file's prefixes (GDAL and gpxpy match on them)
        except ValueError:
            pass  # "ns0"-style prefixes are ElementTree's own
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _numbers(numbers: list[int], lang: str) -> str:
    shown = [str(n) for n in numbers[:SHOWN]]
    return ("、" if lang == "zh" else ", ").join(shown) + (" …" if len(numbers) > SHOWN else "")


def _skipped(bad: dict[str, list[int]], total: int, nouns: dict[str, tuple[str, str]], report: list[Message],
             why: Message) -> None:
    """One report line for the skipped features (or DataImportError when none is left)."""
    n_bad = sum(len(v) for v in bad.values())
    if not n_bad:
        return
    zh = "；".join(f"{nouns[k][0]}第 {_numbers(v, 'zh')} 个" for k, v in bad.items() if v)
    en = "; ".join(f"{nouns[k][1]} {_numbers(v, 'en')}" for k, v in bad.items() if v)
    if n_bad >= total:
        raise DataImportError(Message(f"全部 {total} 个要素都无法使用：{why.zh}（{zh}）",
                                      f"no feature is usable: {why.en} ({en})"))
    report.append(Message(f"跳过 {n_bad} 个要素（{zh}）：{why.zh}", f"{n_bad} of {total} features skipped ({en}): {why.en}"))


BAD_XML_COORDINATES = Message("坐标无法识别、不是有限数或超出经纬度范围",
                              "coordinates that cannot be read, are NaN/infinite or outside ±180°/±90°")


def _read_text(path: Path) -> str:
    from geodata.io.encoding_detect import decode_xml

    if path.stat().st_size > MAX_XML_BYTES:
        raise DataImportError(Message(f"{path.name} 超过 {MAX_XML_BYTES // 2**20} MB 上限",
                                      f"is larger than the limit of {MAX_XML_BYTES // 2**20} MB for KML/GPX files"))
    return decode_xml(path.read_bytes())[0]


def guard_kml(path: Path, out_dir: Path | None = None, report: list[Message] | None = None) -> Path:
    """The KML to give GDAL: `path` itself when it is clean, else a cleaned copy in `out_dir`.
    Without `out_dir` only the safety check runs (listing layers)."""
    text = _read_text(path)
    bad: list[int] = []
    total = links = 0
    for event, elem in _events(text, path.name, events=("end",), keep=False):  # streaming first pass
        kind = _local(elem.tag)
        if kind == "NetworkLink":
            links += 1
        elif kind == "Placemark":
            total += 1
            if not _placemark_ok(elem):
                bad.append(total)
    if out_dir is None:
        return path
    report = report if report is not None else []
    if links:
        report.append(Message(f"忽略 {links} 个网络链接（NetworkLink）：本程序不从网上读取数据",
                              f"{links} network links (NetworkLink) ignored: this explorer reads nothing from the internet"))
    _skipped({"placemark": bad}, max(total, 1), {"placemark": ("地标", "placemarks")}, report, BAD_XML_COORDINATES)
    if not bad and not links:
        return path
    root, namespaces = _parse(text, path.name)  # second pass, whole tree, only for a file that needs it
    placemarks = [e for e in root.iter() if _local(e.tag) == "Placemark"]  # document order, as numbered above
    drop = {id(placemarks[n - 1]) for n in bad}
    for parent in list(root.iter()):
        for child in list(parent):
            if id(child) in drop or _local(child.tag) == "NetworkLink":
                parent.remove(child)
    out_dir.mkdir(parents=True, exist_ok=True)
    clean = out_dir / path.name  # GDAL names the document layer after the file
    clean.write_text(_serialise(root, namespaces), encoding="utf-8")
    return clean


def guard_gpx(text: str, name: str, report: list[Message] | None = None, refuse: bool = False) -> str:
    """GPX text for gpxpy: waypoints, routes and tracks with a bad point removed and named
    (`refuse`: a DataImportError naming them instead, for the field check)."""
    root, namespaces = _parse(text, name)
    bad: dict[str, list[int]] = {"wpt": [], "rte": [], "trk": []}
    counters = {"wpt": 0, "rte": 0, "trk": 0}
    points = {"wpt": ("wpt",), "rte": ("rtept",), "trk": ("trkpt",)}
    for elem in list(root):
        kind = _local(elem.tag)
        if kind not in bad:
            continue
        counters[kind] += 1
        pts = [elem] if kind == "wpt" else [p for p in elem.iter() if _local(p.tag) in points[kind]]
        if not all(_gpx_point_ok(p) for p in pts):
            bad[kind].append(counters[kind])
            root.remove(elem)
    nouns = {"wpt": ("航点", "waypoints"), "rte": ("路线", "routes"), "trk": ("轨迹", "tracks")}
    if refuse and any(bad.values()):
        zh = "；".join(f"{nouns[k][0]}第 {_numbers(v, 'zh')} 个" for k, v in bad.items() if v)
        en = "; ".join(f"{nouns[k][1]} {_numbers(v, 'en')}" for k, v in bad.items() if v)
        raise DataImportError(Message(f"{name} {zh}：{BAD_XML_COORDINATES.zh}", f"{name} {en}: {BAD_XML_COORDINATES.en}"))
    _skipped(bad, max(sum(counters.values()), 1), nouns, report if report is not None else [], BAD_XML_COORDINATES)
    if not any(bad.values()):
        return text
    return _serialise(root, namespaces)
