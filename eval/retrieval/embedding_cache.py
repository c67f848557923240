"""Message embeddings kept on disk between runs, keyed by everything that makes them.

The dense term embeds every message of a dataset, about half of a
``make eval`` run, and the same messages again at the next run. An
:class:`EmbeddingCache` keeps each embedded list of texts in one ``.npy``
file, named by the SHA-256 of the encoder's fingerprint (the model's files,
the code of its forward pass, the numeric libraries' versions:
:attr:`eval.retrieval.dense.Encoder.fingerprint`), the word-piece limit and
the texts themselves. A change to any of them is another file, so a cached
run's figures are those of an uncached one (a test compares the two). An
encoder without a fingerprint is never cached.

A file that cannot be read, or holds another number of vectors, is computed
again and replaced, with a warning. Files are written whole (to a temporary
name, flushed to disk, then renamed), so an interrupted run leaves no half
file under a key; a file that cannot be written costs a warning, not the
run. A file is 1.5 KB per message. The directory (``make eval``'s is
``reports/.cache``) is kept under ``max_bytes`` by deleting the least recently
used files after each write (a read marks a file used); the file just written
stays even when it alone is larger, and so does another run's write in
progress, while a temporary file a killed run left is deleted. The directory
can be deleted at any time.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

__all__ = ["MAX_BYTES", "Embedder", "EmbeddingCache"]

log = logging.getLogger(__name__)

MAX_BYTES = 256 * 2**20
"""The default size cap of a cache directory: about 170,000 messages' vectors."""

STALE_PARTIAL_S = 3600.0
"""A temporary file older than this (seconds) was left by a run that was killed mid-write."""


class Embedder(Protocol):
    """What the cache needs of an encoder (:class:`eval.retrieval.dense.Encoder`)."""

    @property
    def fingerprint(self) -> str | None:
        """Changes whenever the same texts could get other vectors; ``None``: do not cache."""
        ...

    def encode(self, texts: Sequence[str], *, max_tokens: int) -> Any: ...


class EmbeddingCache:
    """Embeddings of lists of texts, one ``.npy`` file per list, in ``directory``.

    Attributes:
        hits / misses: lists read from the cache / computed by this object, so far.
        evicted: files this object deleted to keep the directory under ``max_bytes``.

    Raises:
        ValueError: ``max_bytes`` below 0.
    """

    def __init__(self, directory: Path, *, max_bytes: int = MAX_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes!r}")
        self.directory = directory
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self.evicted = 0

    def vectors(self, encoder: Embedder, texts: Sequence[str], *, max_tokens: int) -> Any:
        """``encoder.encode(texts, max_tokens=max_tokens)``, from the cache when it is there.

        Raises:
            whatever ``encoder.encode`` raises; the cache's own failures are warnings.
        """
        if encoder.fingerprint is None:
            return encoder.encode(texts, max_tokens=max_tokens)
        path = self.directory / f"{self.key(encoder, texts, max_tokens=max_tokens)}.npy"
        cached = self._read(path, len(texts))
        if cached is not None:
            self.hits += 1
            with contextlib.suppress(OSError):  # marks it used; a read-only cache is still read
                os.utime(path)
            return cached
        vectors = encoder.encode(texts, max_tokens=max_tokens)
        self.misses += 1
        if self._write(path, vectors):
            self._evict(keep=path)
        return vectors

    @staticmethod
    def key(encoder: Embedder, texts: Sequence[str], *, max_tokens: int) -> str:
        """The SHA-256 naming the file of ``texts`` (each length-prefixed: no two lists collide)."""
        digest = hashlib.sha256(f"{encoder.fingerprint}\0{max_tokens}\0{len(texts)}\0".encode())
        for text in texts:
            data = text.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def _read(self, path: Path, rows: int) -> Any:
        import numpy as np

        if not path.is_file():
            return None
        try:
            vectors = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as error:
            log.warning("embedding cache: %s is unreadable (%s); computing it again", path, error)
            return None
        if vectors.ndim != 2 or len(vectors) != rows or vectors.dtype != np.float32:
            log.warning(
                "embedding cache: %s holds %s %s, not %d vectors; computing it again",
                path,
                vectors.shape,
                vectors.dtype,
                rows,
            )
            return None
        return vectors

    def _write(self, path: Path, vectors: Any) -> bool:
        """Write ``vectors`` at ``path`` whole; False (and a warning) when it cannot."""
        import numpy as np

        partial: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=self.directory, suffix=".partial")
            with os.fdopen(handle, "wb") as stream:
                np.save(stream, vectors, allow_pickle=False)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(partial, path)
        except OSError as error:
            log.warning("embedding cache: could not write %s (%s); not cached", path, error)
            if partial is not None:
                Path(partial).unlink(missing_ok=True)
            return False
        return True

    def _evict(self, *, keep: Path) -> None:
        """Delete the least recently used files, other than ``keep``, until under ``max_bytes``.

        A temporary file older than :data:`STALE_PARTIAL_S` is what a killed
        run left: it is deleted. A younger one is another run's write in
        progress: it counts towards the size and is left alone.
        """
        try:
            entries = list(self.directory.iterdir())
        except OSError as error:
            log.warning("embedding cache: could not list %s (%s)", self.directory, error)
            return
        now = time.time()
        files: list[tuple[os.stat_result, Path]] = []
        total = 0
        for entry in entries:
            try:
                stat = entry.stat()
            except OSError:
                continue  # removed by another run since the listing
            if entry.suffix == ".partial" and now - stat.st_mtime > STALE_PARTIAL_S:
                _remove(entry)
                continue
            if entry.suffix in (".npy", ".partial"):
                total += stat.st_size
            if entry.suffix == ".npy":
                files.append((stat, entry))
        for stat, entry in sorted(files, key=lambda item: (item[0].st_mtime_ns, item[1].name)):
            if total <= self.max_bytes:
                break
            if entry == keep:
                continue
            removed = _remove(entry)
            if removed is None:
                continue  # still there
            total -= stat.st_size
            if removed:
                self.evicted += 1
                log.info("embedding cache: evicted %s (least recently used)", entry.name)


def _remove(path: Path) -> bool | None:
    """Delete ``path``: True; already gone (another run's doing): False; cannot: None, warned."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        log.warning("embedding cache: could not delete %s (%s)", path, error)
        return None
    return True
