"""Errors raised by ``eval``.

Hierarchy::

    EvalError                          base of everything raised here
    ├── DatasetError (ValueError)      a dataset (exports, queries, gold) that cannot be used
    ├── UnknownNameError (KeyError)    a metric, strategy, chunker or dataset name not in
    │                                  its registry; lists the valid names
    └── RegressionError (RuntimeError) the regression gate found a metric past its tolerance

Every message says what was received, what was expected and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["DatasetError", "EvalError", "RegressionError", "UnknownNameError"]


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


class RegressionError(EvalError, RuntimeError):
    """Metrics that moved past their tolerance against the baseline."""
