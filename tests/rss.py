"""The peak resident memory of this process, for memory bounds measured in child processes."""

from __future__ import annotations

import resource
from pathlib import Path

__all__ = ["peak_rss_mb", "status_mb"]


def peak_rss_mb() -> float:
    """This process's peak RSS in MB: ``VmHWM`` where Linux gives it, else ``ru_maxrss``.

    ``ru_maxrss`` survives ``exec``: a child started by a large parent (a
    pytest that has run the whole suite) reports at least the parent's size.
    ``VmHWM`` belongs to the process's own address space, made new by ``exec``.
    """
    try:
        return status_mb("self", "VmHWM")
    except (OSError, LookupError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def status_mb(pid: int | str, field: str) -> float:
    """A memory ``field`` of ``/proc/<pid>/status`` (``VmHWM``, ``VmRSS``…) in MB.

    Raises:
        OSError: no such process, or no ``/proc`` (not Linux).
        LookupError: the status has no ``field``.
    """
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no {field} in /proc/{pid}/status")
