"""Embeddings kept between runs (eval.retrieval.embedding_cache): same vectors, computed once."""

from __future__ import annotations

import logging
import os
import zlib
from pathlib import Path

import numpy as np
import pytest

from eval.cli import main
from eval.config import EvalConfig
from eval.datasets.loading import load_dataset
from eval.retrieval.embedding_cache import EmbeddingCache
from eval.runner import evaluate


class Counting:
    """An embedder whose vectors are a hash of each text; counts its calls."""

    def __init__(self, fingerprint: str = "model-a") -> None:
        self.fingerprint = fingerprint
        self.calls = 0

    def encode(self, texts, *, max_tokens):
        self.calls += 1
        rows = [
            np.random.default_rng(zlib.crc32(f"{max_tokens} {t}".encode())).random(4) for t in texts
        ]
        return np.array(rows, dtype=np.float32).reshape(len(texts), 4)


TEXTS = ["We adopted a puppy.", "The tax form is due.", ""]


def test_a_list_is_computed_once_and_read_back_the_same(tmp_path):
    embedder, cache = Counting(), EmbeddingCache(tmp_path / "cache")
    first = cache.vectors(embedder, TEXTS, max_tokens=128)
    later = EmbeddingCache(tmp_path / "cache")
    again = later.vectors(embedder, TEXTS, max_tokens=128)
    assert embedder.calls == 1
    np.testing.assert_array_equal(first, again)
    assert (cache.hits, cache.misses) == (0, 1)
    assert (later.hits, later.misses) == (1, 0)
    key = EmbeddingCache.key(embedder, TEXTS, max_tokens=128)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"{key}.npy"]  # no partial file


def test_an_encoder_without_a_fingerprint_is_not_cached(tmp_path):
    embedder, cache = Counting(fingerprint=None), EmbeddingCache(tmp_path)
    cache.vectors(embedder, TEXTS, max_tokens=128)
    cache.vectors(embedder, TEXTS, max_tokens=128)
    assert embedder.calls == 2
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("texts", "max_tokens", "fingerprint"),
    [
        (["We adopted a puppy.", "The tax form is due"], 128, "model-a"),  # one character less
        (TEXTS, 64, "model-a"),
        (TEXTS, 128, "model-b"),  # another model, or another forward pass
    ],
)
def test_anything_the_vectors_depend_on_is_another_entry(tmp_path, texts, max_tokens, fingerprint):
    cache = EmbeddingCache(tmp_path)
    cache.vectors(Counting(), TEXTS, max_tokens=128)
    changed = Counting(fingerprint)
    cache.vectors(changed, texts, max_tokens=max_tokens)
    assert changed.calls == 1
    assert len(list(tmp_path.iterdir())) == 2


def test_texts_are_delimited_in_the_key():
    embedder = Counting()
    assert EmbeddingCache.key(embedder, ["ab", "c"], max_tokens=8) != EmbeddingCache.key(
        embedder, ["a", "bc"], max_tokens=8
    )


@pytest.mark.parametrize("damage", ["empty", "truncated", "other shape"])
def test_a_damaged_entry_is_computed_again_and_replaced(tmp_path, caplog, damage):
    embedder, cache = Counting(), EmbeddingCache(tmp_path)
    expected = cache.vectors(embedder, TEXTS, max_tokens=128)
    (path,) = tmp_path.iterdir()
    if damage == "empty":  # what a crash between creating and filling a file can leave
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:40])
    else:
        np.save(path, np.zeros((1, 4), dtype=np.float32))
    with caplog.at_level(logging.WARNING, logger="eval.retrieval.embedding_cache"):
        np.testing.assert_array_equal(cache.vectors(embedder, TEXTS, max_tokens=128), expected)
    assert embedder.calls == 2
    assert "computing it again" in caplog.text
    cache.vectors(embedder, TEXTS, max_tokens=128)
    assert embedder.calls == 2  # the replaced file is read


def test_a_cache_that_cannot_be_written_costs_a_warning_not_the_run(tmp_path, caplog):
    blocked = tmp_path / "a file"
    blocked.write_text("")
    embedder = Counting()
    with caplog.at_level(logging.WARNING, logger="eval.retrieval.embedding_cache"):
        vectors = EmbeddingCache(blocked / "cache").vectors(embedder, TEXTS, max_tokens=128)
    assert vectors.shape == (3, 4)
    assert "not cached" in caplog.text


def test_a_cached_run_has_the_figures_of_an_uncached_one(tiny_locomo_path, tmp_path):
    dataset = load_dataset(tiny_locomo_path)
    config = EvalConfig(dense=True, strategies=("turns:small",), peers=())
    plain = evaluate(dataset, config=config)
    cache = EmbeddingCache(tmp_path)
    evaluate(dataset, config=config, embedding_cache=cache)
    assert cache.misses > 0
    cached = evaluate(dataset, config=config, embedding_cache=cache)
    assert cache.hits == cache.misses
    assert cached.per_query["rows"] == plain.per_query["rows"]
    assert cached.retrieval == plain.retrieval


def test_the_command_line_refuses_a_cache_without_dense(tmp_path: Path, capsys, tiny_locomo_path):
    out = tmp_path / "r"
    argv = ["run", "--dataset", str(tiny_locomo_path), "--out", str(out), "--cache", "c"]
    assert main([*argv, "--quiet"]) == 2
    assert "needs --dense" in capsys.readouterr().err
    assert not out.exists()


def lists(count: int) -> list[list[str]]:
    """``count`` lists of three texts each: files of one size."""
    return [[f"list {n} text {i}" for i in range(3)] for n in range(count)]


def filed(cache: EmbeddingCache, embedder, texts, *, used: int) -> Path:
    """Cache ``texts`` and date their file's last use at ``used`` (seconds since the epoch)."""
    cache.vectors(embedder, texts, max_tokens=128)
    path = cache.directory / f"{EmbeddingCache.key(embedder, texts, max_tokens=128)}.npy"
    os.utime(path, (used, used))
    return path


def test_the_least_recently_used_file_is_evicted_past_the_cap(tmp_path):
    embedder, (a, b, c) = Counting(), lists(3)
    first = filed(EmbeddingCache(tmp_path), embedder, a, used=1_000)
    size = first.stat().st_size
    cache = EmbeddingCache(tmp_path, max_bytes=2 * size)
    second = filed(cache, embedder, b, used=2_000)
    assert cache.evicted == 0
    third = filed(cache, embedder, c, used=3_000)
    assert cache.evicted == 1
    assert not first.exists()
    assert second.exists()
    assert third.exists()


def test_a_read_marks_a_file_used(tmp_path):
    embedder, (a, b, c) = Counting(), lists(3)
    cache = EmbeddingCache(tmp_path)
    first = filed(cache, embedder, a, used=1_000)
    second = filed(cache, embedder, b, used=2_000)
    capped = EmbeddingCache(tmp_path, max_bytes=2 * first.stat().st_size)
    capped.vectors(embedder, a, max_tokens=128)  # a hit: now the most recently used
    assert capped.hits == 1
    capped.vectors(embedder, c, max_tokens=128)
    assert first.exists()
    assert not second.exists()


def test_the_file_just_written_stays_even_over_the_cap(tmp_path):
    embedder, (a, b) = Counting(), lists(2)
    cache = EmbeddingCache(tmp_path, max_bytes=0)
    first = filed(cache, embedder, a, used=1_000)
    assert first.exists()
    second = filed(cache, embedder, b, used=2_000)
    assert not first.exists()
    assert second.exists()
    assert cache.evicted == 1


def test_a_negative_cap_is_refused(tmp_path):
    with pytest.raises(ValueError, match="max_bytes"):
        EmbeddingCache(tmp_path, max_bytes=-1)


def test_a_killed_runs_temporary_file_is_deleted_and_a_running_ones_kept(tmp_path):
    embedder, (a, b) = Counting(), lists(2)
    cache = EmbeddingCache(tmp_path)
    filed(cache, embedder, a, used=1_000)
    left, writing = tmp_path / "left.partial", tmp_path / "writing.partial"
    left.write_bytes(b"x" * 100)
    writing.write_bytes(b"x" * 100)
    os.utime(left, (1_000, 1_000))  # decades old; `writing` is being written now
    filed(cache, embedder, b, used=2_000)
    assert not left.exists()
    assert writing.exists()


def test_a_file_another_run_removed_does_not_stop_the_eviction(tmp_path, monkeypatch):
    embedder, (a, b, c) = Counting(), lists(3)
    cache = EmbeddingCache(tmp_path)
    first = filed(cache, embedder, a, used=1_000)
    second = filed(cache, embedder, b, used=2_000)
    listed = Path.iterdir

    def with_a_ghost(self):  # a file deleted between the listing and its stat
        return [*listed(self), self / "ghost.npy"]

    monkeypatch.setattr(Path, "iterdir", with_a_ghost)
    capped = EmbeddingCache(tmp_path, max_bytes=2 * first.stat().st_size)
    filed(capped, embedder, c, used=3_000)
    assert not first.exists()
    assert second.exists()
    assert capped.evicted == 1
