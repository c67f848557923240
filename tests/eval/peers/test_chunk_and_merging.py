"""Locating peer chunks in the text, auto-merging, the registry and the extra's import hint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eval.errors import PeerChunkNotFoundError, UnknownPeerError
from eval.peers import PeerChunk, auto_merge, locate, peer_chunks
from eval.peers.extra import require

ROOT = Path(__file__).resolve().parents[3]


def test_locate_finds_stripped_pieces_in_order():
    text = "  alpha beta\n\nalpha beta\n\ngamma  "
    assert locate(text, ["alpha beta", "alpha beta", "gamma"], overlapping=False) == [
        (2, 12),
        (14, 24),
        (26, 31),
    ]


def test_locate_with_overlap_searches_after_the_previous_start():
    text = "one two three four five"
    pieces = ["one two three", "three four", "four five"]
    assert locate(text, pieces, overlapping=True) == [(0, 13), (8, 18), (14, 23)]


def test_locate_with_overlap_in_repetitive_text_moves_forward():
    text = "ab ab ab ab ab"
    assert locate(text, ["ab ab ab", "ab ab ab"], overlapping=True) == [(0, 8), (6, 14)]


def test_locate_matches_normalised_whitespace_and_stays_in_bounds():
    text = "head\n\nA:  one\n two\n\nB: three"
    assert locate(text, ["A: one two"], lo=4, hi=18, overlapping=False) == [(6, 18)]
    with pytest.raises(PeerChunkNotFoundError):
        locate(text, ["A: one two"], lo=4, hi=17, overlapping=False)
    assert locate(text, ["", "  "], overlapping=False) == []


def test_locate_reports_text_the_peer_changed():
    with pytest.raises(PeerChunkNotFoundError, match="beyond whitespace"):
        locate("abc def", ["abc", "xyz"], overlapping=False)
    with pytest.raises(PeerChunkNotFoundError):
        locate("abc def", ["def", "abc"], overlapping=False)  # not after the previous one


def chunk(chunk_id, parent=None, start=0, end=1):
    return PeerChunk("c", "p", chunk_id, 1, parent is not None, parent, start, end, "x", 1)


def test_auto_merge_replaces_a_majority_of_children_by_their_parent():
    root = chunk("root")
    a, b = chunk("a", "root"), chunk("b", "root")
    a1, a2, a3 = chunk("a1", "a"), chunk("a2", "a"), chunk("a3", "a")
    b1, b2 = chunk("b1", "b"), chunk("b2", "b")
    hierarchy = [root, a, b, a1, a2, a3, b1, b2]
    # 2 of a's 3 children: merge into a, at a2's rank; 1 of b's 2: no merge (needs > 0.5).
    assert [c.id for c in auto_merge([b1, a2, a1], hierarchy)] == ["b1", "a"]
    # Both of b's children and a's majority: a and b, then both of root's children: root.
    assert [c.id for c in auto_merge([a1, b1, a2, b2], hierarchy)] == ["root"]
    assert auto_merge([], hierarchy) == []
    assert [c.id for c in auto_merge([a1, a2], hierarchy, ratio=0.7)] == ["a1", "a2"]


def test_unknown_peer_lists_the_valid_ones():
    with pytest.raises(UnknownPeerError, match="window-128") as caught:
        peer_chunks("nope", [])
    assert isinstance(caught.value, KeyError)


def test_a_missing_extra_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_index.core", None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[peers\]"'):
        require("llama_index.core")


def test_importing_eval_does_not_import_the_peer_libraries():
    code = (
        "import sys, eval, eval.peers, eval.datasets.locomo, eval.metrics.coverage\n"
        "heavy = [m for m in ('langchain_text_splitters', 'llama_index', 'chonkie', 'nltk',"
        " 'numpy') if m in sys.modules]\n"
        "sys.exit(', '.join(heavy) or 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, f"`import eval.peers` imported {result.stderr}"
