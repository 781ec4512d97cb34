"""Field-check tools in the window: a dock (`panel.py`) with the observation check and its
exports, corrections of project positions (`corrections.py`), go to a coordinate and what's
here (`locate.py`), added to the window with its Tools-menu actions by `dock.install(window)`."""
