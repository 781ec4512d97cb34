"""The map model, Qt-free: document (layers, filter, view, selection, events), filter, style,
per-layer caches of projected geometry, project files."""
