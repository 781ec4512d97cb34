"""Dock panels: layers, theme filter, attribute table, identify, search, style editing."""
