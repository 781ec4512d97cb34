"""User text in the window shown exactly as typed, never as markup.

Layer, feature and field names, file paths and error messages come from files anyone may
have written.  Qt labels, tooltips and message boxes guess rich text (`Qt::mightBeRichText`):
a layer called `<img src=x>` would be drawn as an image, `<b>` would turn bold, and a U+202E
mark would print the rest of a line backwards.  So:
- `shown(text)` drops control and bidi-override characters (the CLI's rule, `safe_output.clean`);
- `plain(widget)` sets a QLabel or QMessageBox to `Qt.PlainText` (its text is never parsed);
- `rich(text)` is for a place that is always guessed (tooltips, QInputDialog labels): the text
  escaped inside `<qt>`, so it reads as the same characters;
- `escaped(text)` puts user text into a rich text of our own (`<b>{name}</b>`).
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt

from layers.cli.safe_output import clean


def shown(value, one_line: bool = True) -> str:
    """`value` without control or bidi-override characters (line breaks kept unless `one_line`)."""
    return clean("" if value is None else value, one_line=one_line)


def escaped(value, one_line: bool = True) -> str:
    """User text inside our own rich text."""
    text = html.escape(shown(value, one_line))
    return text if one_line else text.replace("\n", "<br>")


def rich(value) -> str:
    """Text for a widget that always guesses rich text (a tooltip): shown as the same characters."""
    text = shown(value, one_line=False)
    return f"<qt>{escaped(text, one_line=False)}</qt>" if text else ""


def plain(widget):
    """A QLabel or QMessageBox whose text is never parsed as markup (returned, for chaining)."""
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget
