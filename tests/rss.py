"""The peak resident memory of this process, for memory bounds measured in child processes."""

from __future__ import annotations

import resource
from pathlib import Path

__all__ = ["peak_rss_mb"]

_STATUS = Path("/proc/self/status")


def peak_rss_mb() -> float:
    """This process's peak RSS in MB: ``VmHWM`` where Linux gives it, else ``ru_maxrss``.

    ``ru_maxrss`` survives ``exec``: a child started by a large parent (a
    pytest that has run the whole suite) reports at least the parent's size.
    ``VmHWM`` belongs to the process's own address space, made new by ``exec``.
    """
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
