"""Page export (PNG/SVG/PDF): layout, furniture (title, legend, scale bar, north arrow, inset)
and the field-check PDF report."""
