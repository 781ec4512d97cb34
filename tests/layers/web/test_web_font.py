"""The web page carries the bundled CJK font (layers/web/web_font.py): a subset of exactly the
page's characters, named first in its CSS, and glyphs (not boxes) in a browser without CJK fonts."""
from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from layers.model.document import MapDocument, MapLayer
from layers.web.export_html import export_html
from layers.web.web_font import FAMILY, page_characters
from tests.layers.web.test_export_web import small_document

FACE = re.compile(r'@font-face \{ font-family: "([^"]+)"; font-weight: (\d+);[^}]*base64,([A-Za-z0-9+/=]+)\) format\("woff"\)')


def faces(text: str) -> dict[int, set[int]]:
    """{weight: code points in that embedded face's cmap} of a written page."""
    from fontTools.ttLib import TTFont

    found = {}
    for family, weight, data in FACE.findall(text):
        assert family == FAMILY
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        found[int(weight)] = set(font.getBestCmap())
    return found


def dazu_document() -> MapDocument:
    points = gpd.GeoDataFrame({"name": ["大足区"], "note": ["石刻之乡，龘"]}, geometry=[Point(105.72, 29.71)], crs=4326)
    return MapDocument([MapLayer("dazu", points, title_zh="区县驻地", title_en="Seats", label_field="name")])


INLINED = re.compile(r"<script>/\* inlined: https://.*?</script>|<style>/\* https://.*?</style>", re.DOTALL)


@pytest.mark.parametrize("offline", [False, True])
def test_page_embeds_regular_and_bold_subsets_of_exactly_its_characters(tmp_path, offline):
    out = export_html(small_document(), tmp_path / "map.html", basemap="none", title="大足区 交通", offline=offline)
    text = out.read_text(encoding="utf-8")
    # what the page shows: its own text (the offline page's inlined Leaflet files are not subset)
    shown = {ord(c) for c in page_characters(INLINED.sub("", FACE.sub("", text)))}
    # title, legend, layer names (JSON-escaped in the page), the layer control's ideographic-space indent
    assert {ord(c) for c in "大足区交通图例重点项目\u3000└"} <= shown
    assert (ord("嵌") in shown) == offline  # the offline note (脚本已内嵌) is subset too
    embedded = faces(text)
    assert set(embedded) == {400, 700}
    for cmap in embedded.values():
        assert cmap == shown  # every character the page shows has its glyph, and nothing more
    assert len(shown) < 600  # a subset, not the 65 000 glyphs of the font


def test_the_pages_css_names_the_embedded_family_first_for_every_text(tmp_path):
    text = export_html(small_document(), tmp_path / "map.html", basemap="none").read_text(encoding="utf-8")
    first = f'"{FAMILY}",'
    for selector in (".cy-title{", ".cy-legend{", ".cy-popup{", ".cy-label{", "body .leaflet-container,"):
        rule = text[text.index(selector):].split("}", 1)[0]
        assert re.search(r"font(-family)?:(\d+px/[\d.]+ )?" + re.escape(first), rule), rule
    assert text.index("@font-face") < text.index(".cy-title{")


def _ink(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 110


def _system_has_cjk_font() -> bool:
    fc_list = shutil.which("fc-list")
    return bool(fc_list and subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout.strip())


@pytest.mark.browser
@pytest.mark.slow
def test_chromium_draws_the_labels_and_title_with_the_embedded_glyphs(tmp_path):
    from tests.layers.web import web_assets

    web_assets.ensure_node_modules()
    out = export_html(dazu_document(), tmp_path / "dazu.html", basemap="none", title="大足区", offline=True)
    bare = tmp_path / "bare.html"  # the same page without its @font-face: what this machine has on its own
    bare.write_text(FACE.sub("", out.read_text(encoding="utf-8")), encoding="utf-8")
    shots = {}
    with web_assets.Chromium(width=900, height=700) as browser:
        for page in (out, bare):
            report = browser.open(page)
            assert report.loaded and report.errors == [] and report.requests == []
            browser.evaluate("(() => { Object.values(window).find(v => v instanceof L.Map)"
                             ".setView([29.71, 105.72], 11, {animate: false}); return 1; })()")
            browser.wait_quiet(0.3)
            assert browser.evaluate("document.querySelector('.cy-label span').textContent") == "大足区"
            browser.evaluate("document.fonts.ready.then(() => 1)")
            loaded = browser.evaluate(f"""Array.from(document.fonts).filter(f => f.family.replace(/"/g, '') === '{FAMILY}'
                && f.status === 'loaded').map(f => f.weight).sort()""")
            check = browser.evaluate(f"""document.fonts.check('12px "{FAMILY}"', '大足区')
                && document.fonts.check('bold 17px "{FAMILY}"', '大足区') && document.fonts.status""")
            shots[page.stem] = {sel: (tmp_path / f"{page.stem}-{n}.png") for n, sel in
                                enumerate((".cy-label span", ".cy-title h1"))}
            for selector, path in shots[page.stem].items():
                browser.screenshot(path, selector)
            browser.screenshot(tmp_path / f"{page.stem}.png")
            if page is out:
                assert loaded == ["400", "700"] and check == "loaded"
            else:
                assert loaded == []
    for path in shots["dazu"].values():
        ink = _ink(path.read_bytes())
        assert ink.mean() > 0.05
        # three different glyphs: the thirds of the text differ (tofu would be three equal boxes)
        w = ink.shape[1] // 3
        thirds = [ink[:, k * w:(k + 1) * w] for k in range(3)]
        assert all((a != b).mean() > 0.05 for i, a in enumerate(thirds) for b in thirds[i + 1:])
    if not _system_has_cjk_font():  # without the embedded face this machine has only boxes
        for own, bare_shot in zip(shots["dazu"].values(), shots["bare"].values()):
            a, b = _ink(own.read_bytes()), _ink(bare_shot.read_bytes())
            assert a.shape != b.shape or (a != b).mean() > 0.05
