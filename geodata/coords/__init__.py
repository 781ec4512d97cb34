"""Coordinates: datums (WGS84, GCJ-02, BD-09, CGCS2000 Gauss–Krüger), coordinate text parsing,
the display projection and geodesic measures."""
