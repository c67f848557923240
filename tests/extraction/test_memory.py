"""Memory: ordering by time, attributes with history, merging, sources, determinism."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from chunking.tiers import ChunkTier
from extraction.facts import Fact, FactStatus
from extraction.memory import SECTIONS, build_memory

BY = "test double"


def fact(
    text: str,
    chunk: str,
    *,
    category: str = "pets",
    key: str | None = None,
    value: str | None = None,
    status: FactStatus = "current",
    day: int = 1,
    at: tuple[int, int, int] = (0, 0, 0),
    conversation: str = "c",
    tier: ChunkTier = ChunkTier.MEDIUM,
) -> Fact:
    return Fact(
        category=category,
        key=key,
        value=value,
        status=status,
        text=text,
        chunk_id=chunk,
        conversation_id=conversation,
        title=f"Chat {conversation}",
        tier=tier,
        message_ids=(f"{chunk}:m",),
        date=datetime(2024, 1, day, tzinfo=UTC),
        sequence=at,
    )


def city(text: str, value: str, chunk: str, **options: object) -> Fact:
    return fact(text, chunk, category="places", key="home_city", value=value, **options)  # type: ignore[arg-type]


FACTS = [
    fact("Has a cat named Miso", "a", tier=ChunkTier.SMALL),
    fact("Has a cat named Miso", "b", tier=ChunkTier.LARGE),
    fact("has a cat named Miso.", "c"),
    fact("Has a cat that is named Miso", "d"),
    city("Lives in Lisbon", "Lisbon", "e", day=2),
    city("Lives in Berlin", "Berlin", "f", day=20),
    fact("Works as a data engineer", "g", category="work", key="job", value="data engineer", day=3),
    fact("Prefers short answers", "h", category="preferences"),
]


def bullets(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("- ")]


def memory(facts: list[Fact]) -> list[str]:
    return bullets(build_memory(facts, produced_by=BY).markdown)


def test_duplicates_across_chunks_and_tiers_become_one_bullet_with_every_source() -> None:
    pets = [b for b in memory(FACTS) if "Miso" in b]
    assert len(pets) == 1
    assert re.search(r"<!-- chunks: a, b, c, d; messages: a:m, b:m, c:m, d:m -->$", pets[0])


def test_a_later_value_replaces_the_earlier_one_which_stays_as_history() -> None:
    places = [b for b in memory(FACTS) if "Lives in" in b]
    assert len(places) == 1
    assert places[0].startswith(
        "- Lives in Berlin (since 2024-01-20; before: “Lives in Lisbon” (2024-01-02 to 2024-01-20))"
    )


def test_a_move_stated_in_one_chunk_follows_the_statuses_not_the_alphabet() -> None:
    moved = [
        city("Lives in Melbourne", "Melbourne", "x", at=(0, 0, 0)),
        city("Previously lived in Lisbon", "Lisbon", "x", status="former", at=(0, 0, 1)),
    ]
    for order in (moved, moved[::-1]):
        places = [b for b in memory(order) if "Melbourne" in b or "Lisbon" in b]
        assert len(places) == 1
        assert places[0].startswith("- Lives in Melbourne (since 2024-01-01; before: “Previously")


def test_within_one_date_the_later_message_wins_whatever_the_text() -> None:
    said = [
        city("Lives in Zurich", "Zurich", "x", at=(0, 0, 0)),
        city("Lives in Aveiro", "Aveiro", "x", at=(0, 1, 0)),  # a later message of the chunk
        city("Lives in Braga", "Braga", "y", conversation="b", day=1, at=(900, 0, 0)),
    ]
    place = [b for b in memory(said) if b.startswith("- Lives in")]
    # conversation "b" sorts before "c" on the same date: Aveiro (conversation c) is last
    assert place[0].startswith("- Lives in Aveiro (since 2024-01-01; before: “Lives in Braga”")


def test_any_key_can_be_superseded_with_its_history() -> None:
    changes = []
    for index, key in enumerate(("car", "code_editor", "instrument", "pet", "allergy", "language")):
        changes.append(fact(f"Old {key} A", f"{key}1", key=key, value="A", day=2 + index))
        changes.append(fact(f"New {key} B", f"{key}2", key=key, value="B", day=20 + index))
    lines = memory(changes)
    assert len(lines) == 6
    for line in lines:
        assert re.match(
            r"- New \w+ B \(since 2024-01-2\d; before: “Old \w+ A” \(2024-01-0\d to ", line
        )


def test_paraphrases_of_one_value_and_cross_category_copies_are_one_bullet() -> None:
    lines = memory(
        [
            fact("Drives a Skoda Octavia", "a", category="other", key="car", value="Skoda Octavia"),
            fact(
                "Owns a Skoda Octavia that needs new tyres",
                "b",
                category="projects",
                key="car",
                value="skoda  octavia",
                day=5,
            ),
            fact("Likes Lisbon", "c", category="places"),
            fact("Likes Lisbon", "d", category="preferences"),
            fact("Has a sister who lives in Braga", "e", category="family"),
            fact("Has a sister named Marta who lives in Braga", "f", category="family"),
        ]
    )
    assert len(lines) == 3
    assert any(line.startswith("- Drives a Skoda Octavia (since 2024-01-01)") for line in lines)
    assert any(line.startswith("- Has a sister named Marta who lives in Braga") for line in lines)


def test_a_former_value_alone_says_formerly() -> None:
    lines = memory([city("Lived in Porto", "Porto", "a", status="former")])
    assert lines[0].startswith("- Formerly: Lived in Porto (from 2024-01-01 until 2024-01-01)")


def test_every_bullet_has_a_date_and_its_sources() -> None:
    chunks = {f.chunk_id for f in FACTS}
    for line in memory(FACTS):
        assert re.search(r"\((since|said) 2024-01-\d\d", line)
        assert "from “Chat c” (2024-01-" in line
        sources = re.search(r"<!-- chunks: (.*); messages: (.*) -->$", line)
        assert sources
        assert set(sources[1].split(", ")) <= chunks


def test_many_conversations_are_counted_after_the_first_three() -> None:
    many = [fact("Has a cat", f"k{n}", conversation=f"c{n}", day=n + 1) for n in range(5)]
    (line,) = memory(many)
    assert (
        "from “Chat c0” (2024-01-01), “Chat c1” (2024-01-02), “Chat c2” (2024-01-03) and 2 more"
        in line
    )


def test_the_header_names_the_llm_and_the_user() -> None:
    markdown = build_memory(FACTS, produced_by="offline stand-in", user_id="ana@x.com").markdown
    assert markdown.startswith(
        "# Memory profile\n\nUser: `ana@x.com`  \nProduced by: offline stand-in\n"
    )


def test_fixed_sections_in_a_fixed_order() -> None:
    lines = build_memory(FACTS, produced_by=BY).markdown.splitlines()
    headings = [line[3:] for line in lines if line.startswith("## ")]
    assert headings == list(SECTIONS.values())
    empty = build_memory([], produced_by=BY).markdown
    assert empty.count("_Nothing recorded._") == len(SECTIONS)


@settings(max_examples=30, deadline=None)
@given(order=st.permutations(FACTS))
def test_the_same_facts_in_any_order_give_the_same_document(order: list[Fact]) -> None:
    assert (
        build_memory(order, produced_by=BY).markdown == build_memory(FACTS, produced_by=BY).markdown
    )
