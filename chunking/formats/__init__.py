"""Export readers: each turns one export format into canonical conversations.

``FORMATS`` maps a format name to its reader; :func:`load_export` reads an
export (file, zip, folder or stream), detects the format and yields
conversations one at a time, filling an optional :class:`ExportReport`.
"""

from chunking.formats.reader import ReadOptions
from chunking.formats.registry import FORMATS, detect_format, load_export
from chunking.formats.report import ExportReport
from chunking.formats.sources import export_size

__all__ = ["FORMATS", "ExportReport", "ReadOptions", "detect_format", "export_size", "load_export"]
