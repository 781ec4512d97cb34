"""Tile basemaps under the map: providers, tile maths, disk cache, fetching, warping into the
display CRS, MBTiles packages.  The renderer sees one object, `tile_basemap.TileBasemap`, set
as `MapRequest.basemap`; see that module for the API the window and the exports use.
"""
