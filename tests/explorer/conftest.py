"""Fixtures for the explorer: a small real document and a main window driving real widgets.

The document holds the bundled districts and circle plus a *test* projects layer
of four points at the district seats named below (positions are the seats of the
bundle, so they lie inside those districts).  It is test data, never shipped.
"""
from __future__ import annotations

import geopandas as gpd
import pytest
from PySide6.QtCore import QSettings
from shapely.geometry import Point

from explorer import i18n

# (id, name_zh, name_en, themes, status, year, seat district adcode)
TEST_PROJECTS = [
    ("t-rail", "测试铁路项目", "Test rail project", "transport", "under_construction", 2023, "500111"),  # 大足区
    ("t-park", "测试园区项目", "Test park project", "industry,innovation", "planned", 2025, "510100"),
    ("t-eco", "测试生态项目", "Test ecology project", "ecology", "operating", 2021, "500000"),
    ("t-road", "测试公路项目", "Test road project", "transport", "planned", 2027, "510300"),
]


def _seat_point(seats, adcode: str) -> Point:
    rows = seats[seats["adcode"].astype(str) == adcode]
    if not len(rows):  # a city/province code: use its first seat
        rows = seats[seats["adcode"].astype(str).str.startswith(adcode.rstrip("0")[:4])]
    return rows.geometry.iloc[0]


def make_projects():
    from geodata.bundle.loader import load_layer

    seats = load_layer("seats")
    rows = []
    for pid, zh, en, themes, status, year, code in TEST_PROJECTS:
        rows.append({
            "id": pid, "name_zh": zh, "name_en": en, "themes": themes, "status": status, "year": year,
            "source": "tests/explorer/conftest.py", "geometry_quality": "schematic",
            "source_file": "000_test.txt", "source_title": "测试文档", "source_date": "2023-01-08",
            "source_sentence": f"{zh}的测试句子。", "geometry": _seat_point(seats, code),
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


@pytest.fixture(autouse=True)
def chinese_ui():
    i18n.set_language("zh")
    yield
    i18n.set_language("zh")


@pytest.fixture
def document():
    from layers.model.document import MapDocument, MapLayer

    doc = MapDocument.from_bundle(names=["districts", "circle", "seats"])
    doc.set_visible("seats", False)  # keep the test points free of seat symbols
    doc.add_layer(MapLayer(name="projects", data=make_projects(), title_zh="重点项目", title_en="Projects",
                           label_field="name_zh", show_labels=False))
    return doc


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "explorer.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, document, settings):
    from explorer.main_window import MainWindow

    win = MainWindow(document=document, settings=settings)
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    qtbot.waitExposed(win)
    assert win.canvas.wait_idle()
    yield win
    win.canvas.shutdown()
