"""Command-line sub-commands (all but `gui`): they live above geodata and layers so each can use both."""
