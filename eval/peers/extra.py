"""The optional ``peers`` extra: its libraries are imported only when a peer runs."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["INSTALL_HINT", "require"]

INSTALL_HINT = 'pip install -e ".[peers]"'


def require(module: str) -> ModuleType:
    """Import ``module`` of the ``peers`` extra.

    Raises:
        ImportError: the extra is not installed; the message names the command.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"the peer chunkers need {module!r}, which is not installed ({error}); "
            f"install the extra with `{INSTALL_HINT}`"
        ) from error
