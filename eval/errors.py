"""Errors raised by ``eval``.

Hierarchy::

    EvalError                              base of everything raised here
    ├── DatasetError (ValueError)          a dataset (exports, queries, gold) that cannot be used
    ├── MalformedDatasetError (ValueError) a dataset file that cannot be read;
    │                                      names the file and the sample
    ├── UnknownNameError (KeyError)        a metric, strategy, chunker or dataset name not in
    │                                      its registry; lists the valid names
    ├── BaselineMismatchError (ValueError) metrics checked against another dataset's baseline
    ├── MissingConversationsError (ValueError)
    │                                      a strategy returning messages, given indexes
    │                                      built without their conversations
    ├── RegressionError (RuntimeError)     the regression gate found a metric past its tolerance
    ├── RunsMismatchError (ValueError)     two runs compared that did not measure the same
    │                                      queries
    ├── EmptyEvidenceError (ValueError)    a query scored against no evidence
    ├── UnknownEvidenceError (LookupError) a gold message id the conversation lacks
    ├── UnknownPeerError (KeyError)        a peer chunker name that is not registered
    └── PeerChunkNotFoundError (LookupError)
                                           a peer chunker returned text that is
                                           not in the conversation it chunked

Every message says what was received, what was expected and what to do;
:func:`import_extra` is the one ImportError of a missing optional package.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

__all__ = [
    "BaselineMismatchError",
    "DatasetError",
    "EmptyEvidenceError",
    "EvalError",
    "MalformedDatasetError",
    "MissingConversationsError",
    "PeerChunkNotFoundError",
    "RegressionError",
    "RunsMismatchError",
    "UnknownEvidenceError",
    "UnknownNameError",
    "UnknownPeerError",
    "import_extra",
]


class EvalError(Exception):
    """Base class of every error raised by ``eval``."""


class DatasetError(EvalError, ValueError):
    """A dataset that cannot be evaluated, naming the file or query at fault."""


class UnknownNameError(EvalError, KeyError):
    """A name missing from a registry."""

    def __init__(self, what: str, name: str, valid: Iterable[str]) -> None:
        listed = ", ".join(sorted(valid))
        super().__init__(f"unknown {what} {name!r}; valid: {listed}")
        self.name = name

    def __str__(self) -> str:
        return str(self.args[0])


class BaselineMismatchError(EvalError, ValueError):
    """Metrics checked against the baseline of another dataset."""


class MissingConversationsError(EvalError, ValueError):
    """A strategy that returns messages, given indexes built without their conversations."""


class RegressionError(EvalError, RuntimeError):
    """Metrics that moved past their tolerance against the baseline."""


class RunsMismatchError(EvalError, ValueError):
    """Two runs compared query by query that did not measure the same queries."""


class MalformedDatasetError(EvalError, ValueError):
    """A dataset file that does not have the expected format.

    Attributes:
        path: the file being read, if known.
        sample: the sample (conversation) being read, if known.
        reason: what is wrong, without the location.
    """

    def __init__(self, reason: str, *, path: str | None = None, sample: str | None = None) -> None:
        where = [
            f"{label} {value!r}"
            for label, value in (("file", path), ("sample", sample))
            if value is not None
        ]
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + reason)
        self.reason = reason
        self.path = path
        self.sample = sample


class PeerChunkNotFoundError(EvalError, LookupError):
    """A peer chunker's chunk that cannot be located in the text it was given."""


class EmptyEvidenceError(EvalError, ValueError):
    """Recall asked of a query whose gold set is empty."""


class UnknownEvidenceError(EvalError, LookupError):
    """A gold message id that is not a rendered message of the conversation."""


class UnknownPeerError(EvalError, KeyError):
    """A peer chunker name that is not in the registry."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def import_extra(module: str, *, package: str | None = None, needed_for: str = "the eval") -> Any:
    """``module``, or an ImportError naming the package, what needs it and the extra.

    >>> import_extra("no_such_module", package="nosuch", needed_for="the plots")
    Traceback (most recent call last):
    ImportError: nosuch is missing, needed by the plots: pip install 'chat-memory-chunks[eval]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{package or module} is missing, needed by {needed_for}: "
            "pip install 'chat-memory-chunks[eval]'"
        ) from error
