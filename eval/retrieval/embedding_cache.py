"""Message embeddings kept on disk between runs, keyed by everything that makes them.

The dense term embeds every message of a dataset, about half of a
``make eval`` run, and the same messages again at the next run. An
:class:`EmbeddingCache` keeps each embedded list of texts in one ``.npy``
file, named by the SHA-256 of the encoder's fingerprint (the model's files,
the code of its forward pass, numpy's version: :attr:`Embedder.fingerprint`),
the word-piece limit and the texts themselves. Any change to one of them is
another file, so a cached run's figures are those of an uncached one; the
test checks that they are identical.

A file that cannot be read, or whose shape does not match, is computed again
and replaced (a warning is logged); files are written whole (to a temporary
name, then renamed), so an interrupted run leaves no half file under a key.
Nothing is ever evicted: a file is 1.5 KB per message, and the directory
(``make eval``'s is ``reports/.cache``) can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Embedder", "EmbeddingCache"]

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """What the cache needs of an encoder (:class:`eval.retrieval.dense.Encoder`)."""

    @property
    def fingerprint(self) -> str:
        """Changes whenever the same texts could be given other vectors."""
        ...

    def encode(self, texts: Sequence[str], *, max_tokens: int) -> Any: ...


class EmbeddingCache:
    """Embeddings of lists of texts, one ``.npy`` file per list, in ``directory``.

    Attributes:
        hits / misses: lists read from the cache / computed (and written) by this object.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.hits = 0
        self.misses = 0

    def vectors(self, encoder: Embedder, texts: Sequence[str], *, max_tokens: int) -> Any:
        """``encoder.encode(texts, max_tokens=max_tokens)``, from the cache when it is there."""
        import numpy as np

        path = self.directory / f"{self.key(encoder, texts, max_tokens=max_tokens)}.npy"
        if path.is_file():
            try:
                vectors = np.load(path, allow_pickle=False)
            except (OSError, ValueError) as error:
                log.warning(
                    "embedding cache: %s is unreadable (%s); computing it again", path, error
                )
            else:
                if vectors.ndim == 2 and len(vectors) == len(texts) and vectors.dtype == np.float32:
                    self.hits += 1
                    return vectors
                log.warning(
                    "embedding cache: %s has shape %s; computing it again", path, vectors.shape
                )
        vectors = encoder.encode(texts, max_tokens=max_tokens)
        self.misses += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npy")
        np.save(partial, vectors, allow_pickle=False)
        os.replace(partial, path)
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
