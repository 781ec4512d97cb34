"""Rendering a map request onto any QPainter: the renderer, labels, symbols, displacement, fonts
and the legend of what was drawn."""
