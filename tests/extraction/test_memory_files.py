"""The file sink: one collision-free, safe file name per exact user id."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.memory import MemoryDocument
from extraction.memory_files import file_memory_sink, memory_file_name

LOOKALIKES = ("ana@x.com", "ana_x.com", "Ana@x.com", "ana.x.com", "ana@x.com ")


def test_ids_differing_only_in_punctuation_or_case_keep_separate_profiles(tmp_path: Path) -> None:
    save = file_memory_sink(tmp_path)
    where = {
        user: save(user, MemoryDocument(f"# profile of {user!r}\n", ())) for user in LOOKALIKES
    }
    assert len(set(where.values())) == len(LOOKALIKES)
    names = {Path(path).name.casefold() for path in where.values()}
    assert len(names) == len(LOOKALIKES)  # distinct on a case-insensitive filesystem too
    for user, path in where.items():
        assert Path(path).read_text(encoding="utf-8") == f"# profile of {user!r}\n"


@settings(max_examples=200, deadline=None)
@given(first=st.text(max_size=40), second=st.text(max_size=40))
def test_distinct_ids_get_distinct_names(first: str, second: str) -> None:
    if first != second:
        assert memory_file_name(first).casefold() != memory_file_name(second).casefold()


@settings(max_examples=100, deadline=None)
@given(user=st.text(max_size=10_000))
def test_names_are_safe_and_bounded(user: str) -> None:
    name = memory_file_name(user)
    assert "/" not in name
    assert "\\" not in name
    assert "\x00" not in name
    assert not name.startswith(".")
    assert name.endswith(".md")
    assert len(name) <= 80
    assert name == memory_file_name(user)  # stable
