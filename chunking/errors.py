"""Errors raised by ``chunking``.

Hierarchy::

    ChunkingError                      base of everything raised here
    ├── ConfigError (ValueError)       an invalid ChunkingConfig
    ├── InvalidTierError (ValueError)  a tier value outside chunk_tier_enum
    ├── InvalidMessageError (ValueError)
    │                                  a message or conversation that breaks the model
    └── MalformedExportError (ValueError)
                                       an export file that cannot be read;
                                       names the file, conversation and node

Every message says what was received, what was expected and what to do.
"""

from __future__ import annotations

__all__ = [
    "ChunkingError",
    "ConfigError",
    "InvalidMessageError",
    "InvalidTierError",
    "MalformedExportError",
]


class ChunkingError(Exception):
    """Base class of every error raised by ``chunking``."""


class ConfigError(ChunkingError, ValueError):
    """A chunking configuration that cannot be used."""


class InvalidTierError(ChunkingError, ValueError):
    """A tier value that is not a label of ``chunk_tier_enum``."""

    def __init__(self, value: object, valid: tuple[str, ...]) -> None:
        expected = ", ".join(repr(label) for label in valid)
        super().__init__(
            f"tier {value!r} is not a value of chunk_tier_enum; expected one of {expected}"
        )
        self.value = value


class InvalidMessageError(ChunkingError, ValueError):
    """A message or conversation that does not satisfy the canonical model."""


class MalformedExportError(ChunkingError, ValueError):
    """An export that cannot be read, with where the problem is.

    Attributes:
        path: the file (or archive member) being read, if known.
        conversation_id: the conversation being read, if known.
        node_id: the message node being read, if known.
        reason: what is wrong, without the location.
        kind: a short, id-free category of the problem (e.g. ``"cycle"``,
            ``"unknown node"``) under which reports count it.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        conversation_id: str | None = None,
        node_id: str | None = None,
        kind: str = "malformed",
    ) -> None:
        where = [
            f"{label} {value!r}"
            for label, value in (
                ("file", path),
                ("conversation", conversation_id),
                ("node", node_id),
            )
            if value is not None
        ]
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + reason)
        self.reason = reason
        self.path = path
        self.conversation_id = conversation_id
        self.node_id = node_id
        self.kind = kind
