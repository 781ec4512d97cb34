"""Web map export: one HTML page (Leaflet through folium)."""
