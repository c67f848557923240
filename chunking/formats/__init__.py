"""Export readers: each turns one file format into canonical conversations.

``FORMATS`` maps a format name to its reader; :func:`load_export` picks one.
"""

from chunking.formats.registry import FORMATS, load_export

__all__ = ["FORMATS", "load_export"]
