"""What `--basemap` names, the URLs each provider is asked (through an intercepting opener that
forwards to the local tile server: no test touches the internet) and the credits they require."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from layers.render.basemap.fetcher import USER_AGENT
from layers.render.basemap.providers import TIANDITU_APPROVAL, BasemapError, resolve_basemap
from layers.render.basemap.tile_basemap import TileBasemap
from layers.render.basemap.tile_cache import TileCache
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest
from tests.layers.render.basemap.helpers import DISTRICT_BBOX, MARKERS, Forwarder, marker_document
from tests.layers.render.basemap.tile_server import TileServer
from geodata.coords.projection import lonlat_bounds_to_display

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def server():
    srv = TileServer(MARKERS)
    yield srv
    srv.close()


def _draw(spec, server, tmp_path, **kw):
    forwarder = Forwarder(server)
    basemap = TileBasemap(resolve_basemap(spec, **kw), cache=TileCache(tmp_path), blocking=True, opener=forwarder)
    try:
        _, result = render_with_result(MapRequest(document=marker_document(), extent=lonlat_bounds_to_display(DISTRICT_BBOX),
                                                  width=640, height=360, layers=(), basemap=basemap))
    finally:
        basemap.close()
    assert result.basemap.drawn == result.basemap.tiles > 0 and not basemap.failures
    assert all(headers["user-agent"] == USER_AGENT for _url, headers in forwarder.seen)
    return [urlsplit(url) for url, _h in forwarder.seen], result


def test_osm_asks_tile_openstreetmap_org_for_z_x_y_png(server, tmp_path):
    urls, result = _draw("osm", server, tmp_path)
    assert {u.scheme for u in urls} == {"https"} and {u.netloc for u in urls} == {"tile.openstreetmap.org"}
    assert all(re.fullmatch(rf"/{result.basemap.zoom}/\d+/\d+\.png", u.path) for u in urls)


@pytest.mark.parametrize("spec, layers", [("tianditu", {"vec_w", "cva_w"}), ("tianditu-img", {"img_w", "cia_w"})])
def test_tianditu_asks_both_layers_with_the_users_key(spec, layers, server, tmp_path):
    urls, result = _draw(spec, server, tmp_path, tianditu_key=KEY)
    assert all(re.fullmatch(r"t[0-7]\.tianditu\.gov\.cn", u.netloc) and u.path == "/DataServer" for u in urls)
    queries = [parse_qs(u.query) for u in urls]
    assert {q["T"][0] for q in queries} == layers and all(q["tk"] == [KEY] for q in queries)
    assert all(q["l"] == [str(result.basemap.zoom)] for q in queries)
    assert len(urls) == result.basemap.tiles  # every tile of both layers, once


def test_amap_asks_autonavi_and_its_gcj02_tiles_are_warped(server, tmp_path):
    urls, _ = _draw("amap", server, tmp_path)
    assert {u.netloc for u in urls} == {"webrd01.is.autonavi.com"} and all(u.path == "/appmaptile" for u in urls)
    assert all(parse_qs(u.query)["style"] == ["7"] for u in urls)
    assert resolve_basemap("amap").tilesets[0].datum == "gcj02"


def test_credits_each_provider_requires():
    assert "OpenStreetMap" in resolve_basemap("osm").attribution.text("en")
    tianditu = resolve_basemap("tianditu", tianditu_key=KEY).attribution
    assert TIANDITU_APPROVAL == "GS(2024)0568号" and TIANDITU_APPROVAL in tianditu.text("zh")
    assert "审图号" in tianditu.text("zh") and TIANDITU_APPROVAL in tianditu.text("en")
    assert "Gaode" in resolve_basemap("amap").attribution.text("en")
    assert "tiles.example.org" in resolve_basemap("https://tiles.example.org/{z}/{x}/{y}.png").attribution.text("en")


def test_url_templates_with_subdomains_and_tms_rows():
    src = resolve_basemap("https://{s}.tiles.example.org/a/{z}/{x}/{-y}.png")
    tileset = src.tilesets[0]
    assert tileset.scheme == "tms"
    assert tileset.url_for(3, 1, 2) == "https://a.tiles.example.org/a/3/1/5.png"  # (1+2) % 3 -> "a"; 7-2 = 5
    assert resolve_basemap("none") is None and resolve_basemap(None) is None


@pytest.mark.parametrize("spec, kw, words", [
    ("tianditu", {}, "needs your own Tianditu key"),
    ("tianditu", {"tianditu_key": "abc'\""}, "32 hexadecimal characters; got 5"),
    ("google", {}, "unknown basemap 'google'"),
    ("ftp://tiles.example.org/{z}/{x}/{y}.png", {}, "unknown basemap"),
    ("https://tiles.example.org/{z}/{x}.png", {}, "needs the {z}, {x} and {y} placeholders"),
    ("https://tiles.example.org/{z}/{x}/{y}.png\"><script>", {}, "quotes or angle brackets"),
    ("https://tiles.example.org/{z}/{x}/{y}.png?key={apikey}", {}, "placeholders are supported"),
    ("/nowhere/area.mbtiles", {}, "does not exist"),
])
def test_unusable_basemaps_are_refused_with_the_reason(spec, kw, words):
    with pytest.raises(BasemapError) as caught:
        resolve_basemap(spec, **kw)
    assert words in caught.value.message.text("en")
    assert caught.value.message.text("zh")  # both languages
    assert isinstance(caught.value, ValueError)
