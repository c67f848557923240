"""The chunk store: a user's chunks in SQLite (embedded default) or PostgreSQL.

:func:`open_store` takes a URL and returns a :class:`ChunkStore`. Importing is
a sync (:meth:`ChunkStore.sync`): new conversations are added, changed ones
replaced atomically, unchanged ones cost no write, absent ones kept unless
pruning; a failure leaves every conversation as it was or fully new.
"""

from chunking.store.base import ChunkStore, SyncResult
from chunking.store.url import open_store

__all__ = ["ChunkStore", "SyncResult", "open_store"]
