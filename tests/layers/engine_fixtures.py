"""Small hand-made layers for the engine tests (no bundle needed)."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import LineString, Point, box


def districts_gdf() -> gpd.GeoDataFrame:
    """Two side-by-side square 'districts' in two 'cities' of two 'provinces'."""
    return gpd.GeoDataFrame(
        {
            "adcode": ["510111", "500222"],
            "name_zh": ["西区", "东县"],
            "name_en": ["West District", "East County"],
            "province_adcode": ["510000", "500000"],
            "city_adcode": ["510100", "500200"],
            "in_circle": [1, 1],
            "partial": [0, 0],
        },
        geometry=[box(104.0, 29.0, 105.0, 30.0), box(105.0, 29.0, 106.0, 30.0)],
        crs=4326,
    )


def projects_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["p-west", "p-east", "p-station"],
            "name_zh": ["西区文旅项目", "东县产业园", "大足石刻站"],
            "name_en": ["West culture project", "East industrial park", "Dazu Rock Carvings Station"],
            "themes": ["culture_tourism", "industry,innovation", "transport,culture_tourism"],
            "status": ["operating", "planned", "under_construction"],
            "year": [2021, 2025, None],
        },
        geometry=[Point(104.5, 29.5), Point(105.5, 29.5), Point(105.5, 29.2)],
        crs=4326,
    )


def railway_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["r1"], "name_zh": ["东西铁路"], "name_en": ["East–West Railway"], "kind": ["high_speed"],
         "status": ["operating"], "themes": ["transport"], "year": [2020]},
        geometry=[LineString([(104.2, 29.8), (105.8, 29.8)])],
        crs=4326,
    )
