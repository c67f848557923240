"""Three tiers vs one bare ``encode_ordinary`` pass over the same text, in the same run.

The ratio is measured conversation by conversation, interleaving the chunker
and the bare encode so that a noisy machine slows both alike; each side keeps
its best of ``ROUNDS`` rounds. Peak memory is traced separately (tracemalloc
slows everything it watches), for the streaming use: chunks consumed as they
come, token lists dropped as they come.

Corpus: the turns of ../shared/data/locomo/dev.json replicated to 20 MB when
present, and a generated chat-like corpus (long structured replies, code) of
the same size. ``BENCH_CHUNK_MB`` changes the size.

The chunker counts with rs-bpe when it is installed (see chunking.tokens); the
same chunker counting with tiktoken alone is timed too, on a quarter of the
corpus, so that both figures come from one run.
"""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from functools import cache

import pytest

from benchmarks.corpus import generated_conversations, locomo_conversations, replicate
from benchmarks.timing import best_interleaved
from chunking import Conversation, chunk_conversations, conversation_text
from chunking.chunker import tier_runs
from chunking.config import ChunkingConfig
from chunking.render import render
from chunking.tokens import Tokenizer, get_tokenizer

ROUNDS = 3
SIZE = int(float(os.environ.get("BENCH_CHUNK_MB", "20")) * 1_000_000)


def _corpus(name: str) -> list[Conversation]:
    base = locomo_conversations() if name == "locomo" else generated_conversations()
    if base is None:
        pytest.skip("../shared/data/locomo/dev.json is not present")
    return replicate(base, SIZE)


def _boundaries_only(conversation: Conversation, text: str = "") -> None:
    """Atoms and the three tiers' runs, without building Chunk objects."""
    tier_runs(render(conversation), ChunkingConfig(), get_tokenizer())


def _all_tiers(conversation: Conversation, text: str = "") -> None:
    for _ in chunk_conversations([conversation]):
        pass


@cache
def _tiktoken_only() -> Tokenizer:
    return Tokenizer(get_tokenizer().encoding)


def _all_tiers_tiktoken_counts(conversation: Conversation, text: str = "") -> None:
    for _ in chunk_conversations([conversation], tokenizer=_tiktoken_only()):
        pass


def _bare_count(conversation: Conversation, text: str = "") -> None:
    """The chunker's counter (rs-bpe where installed) over the whole text, in one call."""
    get_tokenizer().count_valid(text)


def _peak(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("corpus", ["locomo", "generated"])
def test_three_tiers_against_bare_encode(benchmark, report, corpus):
    conversations = _corpus(corpus)
    get_tokenizer(), _tiktoken_only()  # loading the BPE files is not part of either side
    megabytes = sum(len(conversation_text(c).encode()) for c in conversations) / 1e6

    chunker, bare = best_interleaved(conversations, _all_tiers, rounds=ROUNDS)
    quarter = conversations[: len(conversations) // 4]
    boundaries, bare_again = best_interleaved(quarter, _boundaries_only, rounds=ROUNDS)
    tiktoken_counts, bare_third = best_interleaved(
        quarter, _all_tiers_tiktoken_counts, rounds=ROUNDS
    )
    counter, bare_fourth = best_interleaved(quarter, _bare_count, rounds=ROUNDS)
    encode = get_tokenizer().encoding.encode_ordinary
    texts = [conversation_text(c) for c in conversations[:20]]
    peak_bare = _peak(lambda: [len(encode(text)) for text in texts])
    peak_chunker = _peak(lambda: sum(1 for _ in chunk_conversations(conversations[:20])))

    ratio = chunker / bare
    benchmark.extra_info.update(
        megabytes=round(megabytes, 1),
        ratio_all_tiers=round(ratio, 3),
        ratio_boundaries_only=round(boundaries / bare_again, 3),
        ratio_all_tiers_tiktoken_counts=round(tiktoken_counts / bare_third, 3),
        ratio_bare_count=round(counter / bare_fourth, 3),
        peak_bytes_chunker=peak_chunker,
        peak_bytes_bare_encode=peak_bare,
    )
    report.append(
        f"chunker[{corpus}] {megabytes:.1f} MB: all three tiers {chunker:.2f} s vs bare encode "
        f"{bare:.2f} s = {ratio:.2f}x (bar 1.25x); boundaries and counts only "
        f"{boundaries / bare_again:.2f}x; all three tiers counting with tiktoken alone "
        f"{tiktoken_counts / bare_third:.2f}x; the chunker's counter alone, one call over the "
        f"text, {counter / bare_fourth:.2f}x; peak traced memory {peak_chunker / 1e6:.1f} MB vs "
        f"{peak_bare / 1e6:.1f} MB for the bare encode ({peak_chunker / peak_bare:.2f}x, bar 2x)"
    )
    # pytest-benchmark's own record: one full pass of the chunker.
    benchmark.pedantic(_all_tiers_over, args=(conversations,), rounds=1, iterations=1)
    assert peak_chunker <= 2 * peak_bare


def _all_tiers_over(conversations: list[Conversation]) -> None:
    for _ in chunk_conversations(conversations):
        pass
