"""The map canvas and what works on its view: view state, hit test, measure, bookmarks."""
