"""Memory: dedup, contradictions replaced with their date, traceability, determinism."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from chunking.tiers import ChunkTier
from extraction.facts import Fact
from extraction.memory import SECTIONS, build_memory


def fact(
    text: str,
    chunk: str,
    *,
    category: str = "pets",
    key: str | None = None,
    day: int = 1,
    tier: ChunkTier = ChunkTier.MEDIUM,
) -> Fact:
    return Fact(
        category=category,
        key=key,
        text=text,
        chunk_id=chunk,
        conversation_id="c",
        tier=tier,
        message_ids=(f"{chunk}:m",),
        date=datetime(2024, 1, day, tzinfo=UTC),
    )


FACTS = [
    fact("Has a cat named Miso", "a", tier=ChunkTier.SMALL),
    fact("Has a cat named Miso", "b", tier=ChunkTier.LARGE),
    fact("has a cat named Miso.", "c"),
    fact("Has a cat that is named Miso", "d"),
    fact("Lives in Lisbon", "e", category="places", key="home_city", day=2),
    fact("Lives in Berlin", "f", category="places", key="home_city", day=20),
    fact("Works as a data engineer", "g", category="work", key="job", day=3),
    fact("Prefers short answers", "h", category="preferences"),
]


def bullets(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("- ")]


def test_duplicates_across_chunks_and_tiers_become_one_bullet_with_every_source() -> None:
    document = build_memory(FACTS)
    pets = [b for b in bullets(document.markdown) if "Miso" in b]
    assert len(pets) == 1
    assert re.search(r"<!-- chunks: a, b, c, d -->$", pets[0])


def test_a_later_contradicting_fact_replaces_the_earlier_one_with_dates() -> None:
    document = build_memory(FACTS)
    places = [b for b in bullets(document.markdown) if "Lives in" in b]
    assert places == [
        "- Lives in Berlin (as of 2024-01-20; replaces “Lives in Lisbon” from 2024-01-02) "
        "<!-- chunks: f -->"
    ]


def test_fixed_sections_in_a_fixed_order() -> None:
    lines = build_memory(FACTS).markdown.splitlines()
    headings = [line[3:] for line in lines if line.startswith("## ")]
    assert headings == list(SECTIONS.values())
    empty = build_memory([]).markdown
    assert empty.count("_Nothing recorded._") == len(SECTIONS)


def test_every_bullet_is_traceable_to_source_chunks() -> None:
    document = build_memory(FACTS)
    chunks = {f.chunk_id for f in FACTS}
    for line in bullets(document.markdown):
        sources = re.search(r"<!-- chunks: (.*) -->$", line)
        assert sources
        assert set(sources[1].split(", ")) <= chunks


@settings(max_examples=30, deadline=None)
@given(order=st.permutations(FACTS))
def test_the_same_facts_in_any_order_give_the_same_document(order: list[Fact]) -> None:
    assert build_memory(order).markdown == build_memory(FACTS).markdown


def test_near_duplicates_in_different_categories_stay_apart() -> None:
    document = build_memory(
        [
            fact("Likes Lisbon", "a", category="places"),
            fact("Likes Lisbon", "b", category="preferences"),
        ]
    )
    assert len(document.entries) == 2
