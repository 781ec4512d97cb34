"""The one boundary for user files: import (any vector format, CRS and encoding) and save."""
