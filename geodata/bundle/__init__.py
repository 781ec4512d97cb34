"""The bundled GeoPackage: its loader, its build from public datasets and curated sources
(sources/, SOURCES.md), and the seed documents it cites."""
