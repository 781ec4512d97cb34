"""Menu actions with dialogs and background work: data import/save/projects, exports,
field check."""
