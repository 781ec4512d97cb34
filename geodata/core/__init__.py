"""Shared foundations of every package, with no geodata I/O: atomic writes, progress/cancel
(Feedback), bilingual messages, value-to-text, the language rule and the theme/status vocabulary."""
