"""Errors raised by ``chunking``.

Hierarchy::

    ChunkingError                      base of everything raised here
    ├── ConfigError (ValueError)       an invalid ChunkingConfig
    ├── InvalidTierError (ValueError)  a tier value outside chunk_tier_enum
    ├── InvalidMessageError (ValueError)
    │                                  a message or conversation that breaks the model
    ├── MalformedExportError (ValueError)
    │                                  an export file that cannot be read;
    │                                  names the file, conversation and node
    └── StoreError                     the chunk store could not do what was asked
        ├── StoreURLError (ValueError) a store URL of no known kind
        ├── InvalidChunkError (ValueError)
        │                              a chunk refused before any write
        ├── AmbiguousChunkError (LookupError)
        │                              a chunk id that several users have
        └── SchemaMismatchError (RuntimeError)
                                       the live database differs from the code;
                                       lists every difference and its fix

Every message says what was received, what was expected and what to do.
"""

from __future__ import annotations

import reprlib

__all__ = [
    "AmbiguousChunkError",
    "ChunkingError",
    "ConfigError",
    "InvalidChunkError",
    "InvalidMessageError",
    "InvalidTierError",
    "MalformedExportError",
    "SchemaMismatchError",
    "StoreError",
    "StoreURLError",
    "shown",
]

_SHOWN = reprlib.Repr()
_SHOWN.maxlevel = 2
_SHOWN.maxstring = 80
_SHOWN.maxother = 80
_SHOWN.maxlist = _SHOWN.maxdict = 4


def shown(value: object) -> str:
    """``repr(value)`` cut short: at most two levels deep and about 80 characters a value.

    Error messages show what they received with it: a value from an export
    may be nested thousands of levels deep or megabytes long.

    >>> shown([[[["deep"]]]])
    '[[[...]]]'
    """
    return _SHOWN.repr(value)


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


class ChunkFileError(ChunkingError, ValueError):
    """A JSON Lines chunk file that cannot be read back, with the line and field."""


class StoreError(ChunkingError):
    """The chunk store could not do what was asked (database errors are chained)."""


class StoreNotFoundError(StoreError, FileNotFoundError):
    """A store opened to be read or checked that does not exist (it is never created then)."""


class StoreURLError(StoreError, ValueError):
    """A store URL whose scheme no backend handles."""


class InvalidChunkError(StoreError, ValueError):
    """A chunk the store refuses; raised before anything is written.

    Attributes:
        chunk_id: the offending chunk's id (may be empty: that is one of the faults).
        conversation_id: its conversation.
    """

    def __init__(
        self, reason: str, *, chunk_id: object = None, conversation_id: object = None
    ) -> None:
        super().__init__(
            f"chunk {chunk_id!r} of conversation {conversation_id!r}: {reason}; "
            "nothing was written - fix the chunker or the input and import again"
        )
        self.chunk_id = chunk_id
        self.conversation_id = conversation_id


class PruneRefusedError(StoreError, RuntimeError):
    """An import asked to prune while some conversations of the export could not be read.

    Pruning deletes the stored conversations absent from the export; an
    unreadable conversation is absent too, so nothing is pruned (the readable
    conversations are imported as without pruning).
    """


class AmbiguousChunkError(StoreError, LookupError):
    """A chunk id stored for more than one user; pass ``user_id`` to choose."""


class SchemaMismatchError(StoreError, RuntimeError):
    """The live database schema differs from what the code expects.

    Attributes:
        differences: one line per difference: what the code expects, what the
            database has, and the migration that fixes it.
    """

    def __init__(self, differences: list[str]) -> None:
        listing = "\n".join(f"  - {line}" for line in differences)
        super().__init__(
            f"the database schema differs from the code in {len(differences)} place(s):\n{listing}"
        )
        self.differences = tuple(differences)
