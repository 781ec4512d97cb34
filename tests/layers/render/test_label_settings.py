"""A layer's label settings reach the drawn labels: field, size, colour and halo."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from geodata.coords.projection import lonlat_bounds_to_display
from layers.model.document import MapDocument, MapLayer
from layers.model.style import LabelSettings, LayerStyle, Style
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest


def _doc() -> MapDocument:
    gdf = gpd.GeoDataFrame({"name_zh": ["大足石刻"], "code": ["DZ-01"]}, geometry=[Point(105.72, 29.70)], crs=4326)
    style = LayerStyle(base=Style(fill="#000000", stroke=None, symbol="circle", symbol_size_pt=2, label_size_pt=8))
    return MapDocument(layers=[MapLayer(name="p", data=gdf, style=style, label_field="name_zh")])


def _render(doc):
    extent = lonlat_bounds_to_display((105.6, 29.6, 105.9, 29.8))
    image, result = render_with_result(MapRequest(doc, extent, 400, 300, background="#808080"))
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return arr[:, :1200].reshape(300, 400, 3).copy(), result


def _near(pixels, rgb, tol=8) -> int:
    return int(np.all(np.abs(pixels.astype(int) - np.array(rgb)) <= tol, axis=-1).sum())


def test_label_colour_size_halo_and_field_follow_the_layer_settings():
    doc = _doc()
    plain, result = _render(doc)
    assert [l.text for l in result.labels] == ["大足石刻"]
    small = result.labels[0].rect
    assert _near(plain, (255, 255, 255), tol=14) > 20 and _near(plain, (220, 0, 0)) == 0  # white halo, dark text
    doc.set_layer("p", labels=LabelSettings(size_pt=16, color="#dc0000", halo=False), label_field="code")
    styled, result = _render(doc)
    assert [l.text for l in result.labels] == ["DZ-01"]
    assert result.labels[0].rect.height() > small.height() * 1.6
    assert _near(styled, (220, 0, 0)) > 30  # red glyphs
    assert _near(styled, (255, 255, 255), tol=14) == 0  # and no halo
    doc.set_layer("p", labels=LabelSettings(halo_color="#ffff00", halo_width_pt=3))
    haloed, _ = _render(doc)
    assert _near(haloed, (255, 255, 0), tol=20) > 50
    doc.set_layer("p", show_labels=False)
    _, result = _render(doc)
    assert result.labels == []
