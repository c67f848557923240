"""The token counter: the fast counter agrees with tiktoken, or is not used."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunking import chunk_conversations
from chunking.tokens import CANARY_TEXTS, Tokenizer, get_tokenizer
from tests.chunking.strategies import conversations, texts

LOCOMO = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "locomo" / "dev.json"

SHARED = get_tokenizer()
ENCODING = SHARED.encoding
# The same encoding with no fast counter: every count comes from tiktoken.
TIKTOKEN_ONLY = Tokenizer(ENCODING)

# Characters chosen for the pre-tokenizer's alternatives: letters of several
# scripts and cases, digits, apostrophes, punctuation, every kind of whitespace.
_PRETOKENIZER_ALPHABET = st.sampled_from(
    [*"aZé1 \n\r\t'.!?-_`\u00a0\u3000\u2028\u0085\u4e2d\u0301\U0001f44d\u200d", "'s", "'LL"]
)


def test_the_shared_tokenizer_counts_with_rs_bpe_where_it_is_installed():
    pytest.importorskip("rs_bpe", reason="rs-bpe has no wheel for this Python")
    assert SHARED.count_valid != SHARED._count_with_encoding


@settings(max_examples=500, deadline=None)
@given(text=texts)
def test_count_equals_tiktoken_on_arbitrary_text(text):
    assert SHARED.count(text) == len(ENCODING.encode_ordinary(text))


@settings(max_examples=500, deadline=None)
@given(text=st.lists(_PRETOKENIZER_ALPHABET, max_size=40).map("".join))
def test_count_valid_equals_tiktoken_where_the_pretokenizer_is_subtle(text):
    assert SHARED.count_valid(text) == len(ENCODING.encode_ordinary(text))


def test_a_lone_surrogate_is_counted_as_tiktoken_counts_it():
    text = "before \ud800 after"
    assert SHARED.count(text) == len(ENCODING.encode_ordinary(text))


def test_a_counter_that_disagrees_with_tiktoken_is_not_used(caplog):
    with caplog.at_level(logging.WARNING, logger="chunking.tokens"):
        tokenizer = Tokenizer(ENCODING, counter=len)
    assert "disagrees" in caplog.text
    assert tokenizer.count(CANARY_TEXTS[0]) == len(ENCODING.encode_ordinary(CANARY_TEXTS[0]))


def test_a_counter_that_fails_is_not_used(caplog):
    def broken(text: str) -> int:
        raise RuntimeError("no vocabulary")

    with caplog.at_level(logging.WARNING, logger="chunking.tokens"):
        tokenizer = Tokenizer(ENCODING, counter=broken)
    assert "failed on a canary text" in caplog.text
    assert tokenizer.count("hello") == 1


@settings(max_examples=100, deadline=None)
@given(conversation=conversations())
def test_chunks_are_the_same_whichever_counter_counts(conversation):
    fast = list(chunk_conversations([conversation], tokenizer=SHARED))
    reference = list(chunk_conversations([conversation], tokenizer=TIKTOKEN_ONLY))
    assert fast == reference


@pytest.mark.skipif(not LOCOMO.exists(), reason="../shared/data/locomo/dev.json is not present")
def test_count_equals_tiktoken_on_every_locomo_turn():
    samples = json.loads(LOCOMO.read_text(encoding="utf-8"))
    turns = [
        f"{turn['speaker']}: {turn['text']}\n\n"
        for sample in samples
        for key, session in sample["conversation"].items()
        if key.startswith("session_") and isinstance(session, list)
        for turn in session
    ]
    assert len(turns) > 1000
    assert [SHARED.count(t) for t in turns] == [len(ENCODING.encode_ordinary(t)) for t in turns]


@pytest.mark.parametrize("broken", [None, "raise"])
def test_a_broken_rs_bpe_leaves_tiktoken_counting(monkeypatch, caplog, broken):
    """An extension that is missing (None in sys.modules) or fails as it loads."""
    import sys

    from chunking import tokens

    if broken is None:
        monkeypatch.setitem(sys.modules, "rs_bpe.bpe", None)
    else:
        pytest.importorskip("rs_bpe", reason="rs-bpe has no wheel for this Python")
        from rs_bpe.bpe import openai

        def fail() -> None:
            raise RuntimeError("vocabulary missing")

        monkeypatch.setattr(openai, "cl100k_base", fail)
    with caplog.at_level(logging.INFO, logger="chunking.tokens"):
        assert tokens._fast_counter() is None
    assert "tiktoken" in caplog.text
