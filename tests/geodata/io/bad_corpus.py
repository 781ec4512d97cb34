"""A corpus of hostile and broken input files, generated (never committed): `build(folder)`.

Each `Case` names one file the importer is given and what must come of it: `expect="error"`
(one clear line, exit 2) with a phrase of the English message, or `expect="ok"` with a phrase
of the report and the number of features.  tests/geodata/io/test_bad_input_corpus.py runs them
all in one resource-limited subprocess.
"""
from __future__ import annotations

import io
import json
import os
import sqlite3
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

KML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
KML_NS = 'xmlns="http://www.opengis.net/kml/2.2"'
GPX_OPEN = '<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
BILLION_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
                  + "]>")
XXE_FILE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_HTTP = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/secret">]>'
QUADRATIC = '<!DOCTYPE r [<!ENTITY big "' + "x" * 50_000 + '">]>'


@dataclass
class Case:
    name: str  # file name inside the corpus folder (the file given to the importer)
    expect: str  # "ok" or "error"
    phrase: str  # in the English error, or in some report line when ok
    features: int | None = None  # features imported when ok


def _points(n: int = 5, **columns) -> gpd.GeoDataFrame:
    data = {"name": [f"点{i}" for i in range(n)], **columns}
    return gpd.GeoDataFrame(data, geometry=[shapely.Point(105.0 + i * 0.1, 29.5 + i * 0.01) for i in range(n)], crs=4326)


def _dbf(records: list[bytes], width: int = 40) -> bytes:
    """A one-field (NAME, C) dBASE III table holding `records` as stored bytes, language byte 0."""
    header_len, record_len = 32 + 32 + 1, 1 + width
    head = struct.pack("<BBBBIHH20x", 0x03, 26, 1, 1, len(records), header_len, record_len)
    field = b"NAME".ljust(11, b"\0") + b"C" + b"\0" * 4 + bytes([width, 0]) + b"\0" * 14
    body = b"".join(b" " + r[:width].ljust(width, b" ") for r in records)
    return head + field + b"\r" + body + b"\x1a"


def _shapefile(folder: Path, stem: str, n: int = 5) -> Path:
    path = folder / f"{stem}.shp"
    _points(n).to_file(path, engine="pyogrio")
    return path


def _patch_point(shp: Path, index: int, x: float, y: float) -> None:
    data = bytearray(shp.read_bytes())
    pos = 100 + index * 28 + 8 + 4  # point records: 8-byte header, shape type, x, y
    data[pos:pos + 16] = struct.pack("<dd", x, y)
    shp.write_bytes(bytes(data))


def _kml(body: str, prolog: str = "") -> str:
    return KML_HEAD + prolog + f"<kml {KML_NS}><Document>{body}</Document></kml>"


def _placemark(coords: str, name: str = "p", kind: str = "Point") -> str:
    return f"<Placemark><name>{name}</name><{kind}><coordinates>{coords}</coordinates></{kind}></Placemark>"


def _gpx(body: str, prolog: str = "") -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + prolog + GPX_OPEN + body + "</gpx>"


def _feature_collection(geometries: list, extra: str = "") -> str:
    feats = ",".join('{"type":"Feature","properties":{"i":%d},"geometry":%s}' % (i, g) for i, g in enumerate(geometries))
    return '{"type":"FeatureCollection"%s,"features":[%s]}' % (extra, feats)


def _gpkg_with(path: Path, sql: list[str]) -> Path:
    _points(3).to_file(path, layer="pts", engine="pyogrio")
    conn = sqlite3.connect(path)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path


def build(folder: Path) -> list[Case]:
    """Write every corpus file under `folder`; -> the cases (≥ 80)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def text(name: str, content: str, expect: str, phrase: str, features: int | None = None, encoding="utf-8"):
        (folder / name).write_bytes(content.encode(encoding) if isinstance(content, str) else content)
        cases.append(Case(name, expect, phrase, features))

    def raw(name: str, content: bytes, expect: str, phrase: str, features: int | None = None):
        (folder / name).write_bytes(content)
        cases.append(Case(name, expect, phrase, features))

    # --- shapefiles: parts that do not belong together, damaged parts, encodings, bad numbers -----
    def shp_case(stem, expect, phrase, features=None, n=5, change=None):
        sub = folder / stem
        sub.mkdir()
        shp = _shapefile(sub, stem, n)
        if change:
            change(shp)
        cases.append(Case(f"{stem}/{stem}.shp", expect, phrase, features))

    def other_dbf(n):
        def change(shp):
            tmp = shp.parent / "other"
            tmp.mkdir()
            shp.with_suffix(".dbf").write_bytes(_shapefile(tmp, "o", n).with_suffix(".dbf").read_bytes())
        return change

    def write_part(suffix, data_of):
        return lambda shp: shp.with_suffix(suffix).write_bytes(data_of(shp.with_suffix(suffix)))

    def cut(suffix, keep):
        return write_part(suffix, lambda p: p.read_bytes()[:keep(len(p.read_bytes()))])

    def encoded(records, drop_cpg=True):
        def change(shp):
            shp.with_suffix(".dbf").write_bytes(_dbf(records))
            if drop_cpg:
                shp.with_suffix(".cpg").unlink(missing_ok=True)
        return change

    def nan_at(*indices, value=(float("nan"), float("nan"))):
        def change(shp):
            for i in indices:
                _patch_point(shp, i, *value)
        return change

    shp_case("dbf_fewer_records", "error", "5 shapes but dbf_fewer_records.dbf 2 records", change=other_dbf(2))
    shp_case("dbf_more_records", "error", "2 shapes but dbf_more_records.dbf 5 records", n=2, change=other_dbf(5))
    shp_case("dbf_random_bytes", "error", "is damaged", change=write_part(".dbf", lambda p: os.urandom(3000)))
    shp_case("dbf_truncated", "error", "is truncated", change=cut(".dbf", lambda n: n - 60))
    shp_case("dbf_header_only", "error", "is damaged", change=cut(".dbf", lambda n: 20))
    shp_case("shp_truncated", "error", "is truncated", change=cut(".shp", lambda n: n - 30))
    shp_case("shp_header_only", "error", "truncated", change=cut(".shp", lambda n: 60))
    shp_case("shx_stale", "ok", "index rebuilt", 5, change=lambda shp: shp.with_suffix(".shx").write_bytes(
        shp.with_suffix(".shx").read_bytes()[:100 + 16]))
    shp_case("shx_random", "ok", "index rebuilt", 5, change=write_part(".shx", lambda p: os.urandom(140)))
    shp_case("shx_missing", "ok", ".shx was missing", 5, change=lambda shp: shp.with_suffix(".shx").unlink())
    shp_case("dbf_missing", "error", "dbf_missing.dbf is missing", change=lambda shp: shp.with_suffix(".dbf").unlink())
    names = ["大足区石刻", "资阳市雁江", "内江市东兴", "重庆市永川", "成都市简阳"]
    shp_case("dbf_gbk_no_cpg", "ok", "GB18030", 5, change=encoded([n.encode("gbk") for n in names]))
    shp_case("dbf_big5_no_cpg", "ok", "BIG5", 5, change=encoded([n.encode("big5", "replace") for n in
                                                                   ["臺北市大安", "高雄市前金", "臺中市西屯", "新竹市東區", "嘉義市西區"]]))
    shp_case("dbf_utf16_no_cpg", "error", "UTF-16", change=encoded([f"站{n}号".encode("utf-16-le") for n in range(5)]))
    # POINT (NaN NaN) is an empty point to GEOS: dropped as "no geometry" and named
    shp_case("shp_nan_point", "ok", "1 of 5 features had no geometry (or none that could be read) and were dropped "
             "(features 2)", 4, change=nan_at(1))
    shp_case("shp_all_nan", "error", "none of the 5 features has a geometry", change=nan_at(0, 1, 2, 3, 4))
    shp_case("shp_1e308", "ok", "features skipped (features 4): coordinates are outside longitude", 4,
             change=nan_at(3, value=(1e308, -1e308)))
    shp_case("shp_infinity", "ok", "coordinates are NaN or infinite", 4, change=nan_at(0, value=(float("inf"), 29.0)))

    # --- GeoJSON ------------------------------------------------------------------------------------
    good = '{"type":"Point","coordinates":[105.7,29.7]}'
    text("gj_text_coords.geojson", _feature_collection(['{"type":"Point","coordinates":["abc","def"]}', good]),
         "ok", "had no geometry (or none that could be read) and were dropped (features 1)", 1)
    text("gj_nan_infinity.geojson", _feature_collection(['{"type":"Point","coordinates":[NaN,Infinity]}', good]),
         "ok", "coordinates are NaN or infinite", 1)
    text("gj_1e308.geojson", _feature_collection(['{"type":"Point","coordinates":[1e308,29]}', good, good]),
         "ok", "1 of 3 features skipped (features 1)", 2)
    text("gj_all_out_of_range.geojson", _feature_collection(['{"type":"Point","coordinates":[500,95]}'] * 3),
         "error", "outside longitude/latitude range")
    deep = "[" * 100_000 + "]" * 100_000
    text("gj_deep_geometry.geojson", '{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":%s}}' % deep,
         "error", "cannot open")
    text("gj_deep_properties.geojson", _feature_collection([good]).replace('{"i":0}', '{"i":%s}' % deep),
         "error", "cannot open")
    line = ",".join(f"[{105 + i * 1e-6:.6f},{29.5 + i * 1e-6:.6f}]" for i in range(300_000))
    text("gj_huge_line.geojson", _feature_collection(['{"type":"LineString","coordinates":[%s]}' % line]), "ok", "LineString", 1)
    text("gj_huge_property.geojson", _feature_collection([good]).replace('{"i":0}', '{"s":"%s"}' % ("长" * 3_000_000)),
         "ok", "1 feature", 1)
    text("gj_mixed.geojson", _feature_collection([good, '{"type":"LineString","coordinates":[[105,29],[106,30]]}',
                                                  '{"type":"Polygon","coordinates":[[[105,29],[106,29],[106,30],[105,29]]]}']),
         "ok", "mixed geometry types", 3)
    text("gj_null_geometries.geojson", _feature_collection(["null", "null"]), "error", "none of the 2 features has a geometry")
    text("gj_one_null.geojson", _feature_collection(["null", good]), "ok", "1 of 2 features had no geometry", 1)
    text("gj_collection.geojson", _feature_collection(['{"type":"GeometryCollection","geometries":[%s,%s]}' % (good, good)]),
         "ok", "GeometryCollection", 1)
    text("gj_truncated.geojson", _feature_collection([good, good])[:-30], "error", "cannot open")
    text("gj_top_array.geojson", "[1, 2, 3]", "error", "")
    text("gj_features_null.geojson", '{"type":"FeatureCollection","features":null}', "error", "")
    text("gj_empty.geojson", '{"type":"FeatureCollection","features":[]}', "error", "no features")
    text("gj_bom.geojson", "\ufeff" + _feature_collection([good]), "ok", "1 feature", 1)
    raw("gj_nul_bytes.geojson", _feature_collection([good]).encode()[:40] + b"\0\0\0" + b"}" * 5, "error", "")
    text("gj_short_coordinates.geojson", _feature_collection(['{"type":"Point","coordinates":[105.7]}', good]),
         "ok", "dropped (features 1)", 1)

    # --- KML / KMZ: text coordinates, entities, network links ------------------------------------------------
    ok_pm = _placemark("105.7,29.7", "good")
    text("kml_text_coords.kml", _kml(_placemark("abc,def", "bad") + ok_pm), "ok",
         "1 of 2 features skipped (placemarks 1): coordinates that cannot be read", 1)
    text("kml_all_text.kml", _kml(_placemark("abc,def")), "error", "no feature is usable")
    text("kml_nan_inf.kml", _kml(_placemark("nan,inf") + _placemark("105.7,1e308") + ok_pm), "ok",
         "2 of 3 features skipped (placemarks 1, 2)", 1)
    text("kml_bad_tuple_in_line.kml", _kml(_placemark("105,29 106,xx 107,30", "l", "LineString") + ok_pm), "ok",
         "placemarks 1", 1)
    text("kml_spaced_commas.kml", _kml(_placemark("105.7, 29.7") + ok_pm), "ok", "2 features", 2)
    text("kml_xxe_file.kml", _kml(ok_pm.replace("good", "&xxe;"), XXE_FILE), "error", "declares XML entities")
    text("kml_xxe_http.kml", _kml(ok_pm.replace("good", "&xxe;"), XXE_HTTP), "error", "declares XML entities")
    text("kml_billion_laughs.kml", _kml(ok_pm.replace("good", "&lol9;"), BILLION_LAUGHS), "error", "declares XML entities")
    # the 50 KB entity pushes <kml> beyond the 4 KB the format is judged by: refused as not KML
    text("kml_quadratic.kml", _kml(ok_pm.replace("good", "&big;" * 1000), QUADRATIC), "error", "not a valid KML file")
    text("kml_quadratic_short.kml", _kml(ok_pm.replace("good", "&b;" * 100_000), '<!DOCTYPE r [<!ENTITY b "bbbbbbbbbb">]>'),
         "error", "declares XML entities")
    link = "<NetworkLink><Link><href>http://127.0.0.1:9/more.kml</href></Link></NetworkLink>"
    text("kml_network_link.kml", _kml(link + ok_pm), "ok", "1 network links (NetworkLink) ignored", 1)
    text("kml_only_network_link.kml", _kml(link), "error", "")
    text("kml_no_placemarks.kml", _kml(""), "error", "")
    text("kml_unclosed.kml", _kml(ok_pm)[:-40], "error", "not well-formed XML")
    text("kml_doctype_only.kml", _kml(ok_pm, "<!DOCTYPE kml>"), "ok", "1 feature", 1)  # a DTD without entities is harmless
    text("kml_folders_bad_in_folder.kml", _kml(f"<Folder><name>F</name>{_placemark('x,y')}{ok_pm}</Folder>{ok_pm}"),
         "ok", "placemarks 1", 2)
    raw("kmz_billion_laughs.kmz", _zip_bytes({"doc.kml": _kml(ok_pm, BILLION_LAUGHS).encode()}), "error", "declares XML entities")
    raw("kmz_text_coords.kmz", _zip_bytes({"doc.kml": _kml(_placemark("abc") + ok_pm).encode()}), "ok", "placemarks 1", 1)

    # --- GPX ---------------------------------------------------------------------------------------------
    wpt = '<wpt lat="29.7" lon="105.7"><name>ok</name></wpt>'
    text("gpx_text_coords.gpx", _gpx('<wpt lat="abc" lon="def"><name>a</name></wpt>' + wpt), "ok",
         "1 of 2 features skipped (waypoints 1)", 1)
    text("gpx_nan.gpx", _gpx('<wpt lat="nan" lon="inf"/><wpt lat="1e308" lon="105"/>' + wpt), "ok", "waypoints 1, 2", 1)
    text("gpx_missing_lat.gpx", _gpx('<wpt lon="105.7"/>' + wpt), "ok", "waypoints 1", 1)
    trk = '<trk><name>t</name><trkseg><trkpt lat="29.7" lon="105.7"/><trkpt lat="29.8" lon="%s"/></trkseg></trk>'
    text("gpx_track_bad_point.gpx", _gpx(trk % "bad" + trk % "105.8"), "ok", "tracks 1", 1)
    text("gpx_all_bad.gpx", _gpx('<wpt lat="x" lon="y"/>'), "error", "no feature is usable")
    text("gpx_xxe.gpx", _gpx(wpt.replace("ok", "&xxe;"), XXE_FILE), "error", "declares XML entities")
    text("gpx_billion_laughs.gpx", _gpx(wpt.replace("ok", "&lol9;"), BILLION_LAUGHS), "error", "declares XML entities")
    text("gpx_truncated.gpx", _gpx(wpt)[:-20], "error", "not well-formed XML")
    text("gpx_gbk_undeclared.gpx", _gpx(wpt.replace("ok", "大足石刻")).replace(' encoding="UTF-8"', ""), "ok", "GB18030", 1,
         encoding="gbk")
    text("gpx_empty.gpx", _gpx(""), "error", "holds no tracks, routes or waypoints")

    # --- ZIP archives: slips, bombs, nesting -------------------------------------------------------------
    shp_parts = {f"p{sfx}": p.read_bytes() for sfx, p in _parts(folder / "_parts", "p")}
    raw("zip_slip.zip", _zip_bytes({"../../evil.txt": b"x", **shp_parts}), "error", "unsafe path")
    raw("zip_absolute.zip", _zip_bytes({"/tmp/evil-absolute.txt": b"x", **shp_parts}), "error", "unsafe path")
    raw("zip_sibling.zip", _zip_bytes({"../zip2/evil.txt": b"x", **shp_parts}), "error", "unsafe path")
    raw("zip_bomb_directory.zip", _lying_zip(), "error", "ZIP bomb")
    raw("zip_bomb_ratio.zip", _zip_bytes({"zeros.csv": b"0" * (120 * 1024 * 1024)}), "error", "ZIP bomb")
    raw("zip_nested.zip", _zip_bytes({"inner.zip": _zip_bytes(shp_parts)}), "error", "archives inside archives")
    raw("zip_many_members.zip", _zip_bytes({f"f{i}.txt": b"" for i in range(10_001)}, zipfile.ZIP_STORED), "error", "ZIP bomb")
    mismatched = dict(shp_parts, **{"p.dbf": _dbf([b"a", b"b"])})
    raw("zip_mismatched_parts.zip", _zip_bytes(mismatched), "error", "do not belong together")
    raw("zip_truncated.zip", _zip_bytes(shp_parts)[:300], "error", "damaged or truncated ZIP")
    two = {**shp_parts, **{f"q{k[1:]}": v for k, v in shp_parts.items()}}
    raw("zip_two_shapefiles.zip", _zip_bytes(two), "error", "choose one")
    raw("zip_ok.zip", _zip_bytes(shp_parts), "ok", "read from inside", 5)

    # --- GeoPackages: views, triggers, damage -----------------------------------------------------------
    recursive = ("CREATE VIEW loop AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
                 "SELECT x AS fid, (SELECT geom FROM pts LIMIT 1) AS geom FROM n")
    register = ["INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('loop','features','loop',4326)",
                "INSERT INTO gpkg_geometry_columns VALUES ('loop','geom','POINT',4326,0,0)"]
    _gpkg_with(folder / "gpkg_recursive_view.gpkg", [recursive, *register])
    cases.append(Case("gpkg_recursive_view.gpkg|loop", "error", "cannot be computed within"))
    _gpkg_with(folder / "gpkg_trigger.gpkg", ["CREATE TRIGGER wipe AFTER INSERT ON pts BEGIN DELETE FROM pts; END",
                                              "CREATE TRIGGER wipe2 BEFORE UPDATE ON pts BEGIN SELECT RAISE(ABORT, 'no'); END"])
    cases.append(Case("gpkg_trigger.gpkg", "ok", "layer 'pts'", 3))
    _gpkg_with(folder / "gpkg_broken_view.gpkg", ["CREATE TABLE gone AS SELECT * FROM pts",
                                                  "CREATE VIEW broken AS SELECT fid, geom FROM gone", "DROP TABLE gone",
                                                  *[r.replace("loop", "broken") for r in register]])
    cases.append(Case("gpkg_broken_view.gpkg|broken", "error", "cannot be computed"))
    good_gpkg = folder / "_good.gpkg"
    _points(3).to_file(good_gpkg, engine="pyogrio")
    data = good_gpkg.read_bytes()
    raw("gpkg_random_after_header.gpkg", data[:16] + os.urandom(8000), "error", "")
    raw("gpkg_truncated.gpkg", data[: len(data) // 3], "error", "")
    raw("gpkg_zeroed_pages.gpkg", data[:4096] + b"\0" * (len(data) - 4096), "error", "")
    conn = sqlite3.connect(folder / "gpkg_no_layers.gpkg")
    conn.execute("CREATE TABLE t (a)")
    conn.commit()
    conn.close()
    cases.append(Case("gpkg_no_layers.gpkg", "error", ""))

    # --- CSV: NUL bytes, columns, encodings, numbers --------------------------------------------------------
    rows = "".join(f"点{i},{105 + i * 0.01:.4f},{29.5 + i * 0.01:.4f}\n" for i in range(20))
    text("csv_nul_header.csv", "名称,经\0度,纬度\n" + rows, "error", "not a valid CSV text file")
    raw("csv_nul_late.csv", ("名称,经度,纬度\n" + rows * 20_000).encode() + b"x,\0,1\n", "error", "NUL bytes")
    text("csv_1e5_columns.csv", ",".join(f"c{i}" for i in range(100_000)) + ",经度,纬度\n" + "1," * 100_000 + "105,29\n",
         "error", "more than the limit of 16,384")
    text("csv_1e6_columns.csv", ",".join("c" for _ in range(1_000_000)) + "\n" + "1," * 10 + "\n", "error", "columns")
    text("csv_swapped.csv", "名称,经度,纬度\n" + "".join(f"点{i},{29.5 + i * 0.01:.4f},{105 + i * 0.01:.4f}\n" for i in range(5)),
         "ok", "latitude/longitude were swapped", 5)
    text("csv_utf16.csv", "名称,经度,纬度\n" + rows, "ok", "UTF-16", 20, encoding="utf-16")
    text("csv_big_cell.csv", "名称,经度,纬度,备注\n" + f"a,105.7,29.7,{'长' * 200_000}\n", "ok", "1 feature", 1)
    text("csv_nan_inf_1e308.csv", "名称,经度,纬度\na,NaN,29\nb,inf,29\nc,1e308,29\nd,105.7,29.7\n",
         "ok", "features skipped (rows", 1)
    text("csv_text_coords.csv", "名称,经度,纬度\na,abc,def\nb,东经,北纬\n", "error", "no feature is usable")
    text("csv_dms_hemispheres.csv", "名称,经度,纬度\na,106°43'30\"E,29°41'30\"N\nb,东经105°42′,北纬29°41′\n",
         "ok", "degrees-minutes-seconds", 2)
    # 100 000 levels overflow GEOS's recursive WKT reader (a segmentation fault): refused unread
    text("csv_deep_wkt.csv", "名称,WKT\na," + '"' + "GEOMETRYCOLLECTION(" * 100_000 + "POINT(105 29)" + ")" * 100_000
         + '"\nb,"POINT (105.7 29.7)"\n', "ok", "1 of 2 features skipped (rows 2)", 1)
    text("csv_wkt_nan.csv", 'name,WKT\na,"POINT (nan nan)"\nb,"POINT (105.7 29.7)"\n', "ok", "coordinates are NaN", 1)
    text("csv_gbk.csv", "名称,经度,纬度\n" + rows, "ok", "GB18030", 20, encoding="gbk")
    text("csv_unbalanced_quotes.csv", '名称,经度,纬度\n"a,105.7,29.7\nb,105.8,29.8\n', "error", "")
    text("csv_markup_names.csv", "名称,经度,纬度\n[/x],105.7,29.7\n\x1b]0;t\x07\x1b[2J,105.8,29.8\n", "ok", "2 features", 2)

    # --- XLSX ------------------------------------------------------------------------------------------
    import pandas as pd

    buf = io.BytesIO()
    pd.DataFrame({"名称": ["a", "b"], "经度": ["abc", "105.7"], "纬度": ["def", "29.7"]}).to_excel(buf, index=False)
    raw("xlsx_text_coords.xlsx", buf.getvalue(), "ok", "rows 2", 1)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    raw("xlsx_bomb.xlsx", _zip_bytes({**parts, "xl/worksheets/sheet2.xml": b" " * (150 * 1024 * 1024)}), "error", "ZIP bomb")
    xxe = parts["xl/worksheets/sheet1.xml"].replace(b"?>", b"?>" + XXE_FILE.encode(), 1)
    raw("xlsx_xxe.xlsx", _zip_bytes({**parts, "xl/worksheets/sheet1.xml": xxe}), "ok", "1 feature", 1)  # not expanded
    raw("xlsx_corrupt.xlsx", buf.getvalue()[:400], "error", "")
    return cases


def _parts(folder: Path, stem: str):
    folder.mkdir(exist_ok=True)
    shp = _shapefile(folder, stem, 5)
    return [(sfx, shp.with_suffix(sfx)) for sfx in (".shp", ".shx", ".dbf", ".prj", ".cpg")]


def _zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buf.getvalue()


def _lying_zip() -> bytes:
    """A small ZIP whose directory claims 3 GB for a member (a bomb by its own account)."""
    data = bytearray(_zip_bytes({"big.csv": b"lon,lat\n105,29\n"}))
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", 3 * 1024**3 - 1)  # uncompressed size
    return bytes(data)


def write_manifest(folder: Path, cases: list[Case]) -> Path:
    path = folder / "_cases.json"
    path.write_text(json.dumps([c.__dict__ for c in cases], ensure_ascii=False), encoding="utf-8")
    return path
