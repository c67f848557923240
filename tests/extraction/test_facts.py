"""Validation of the model's output, one fact at a time, and binding of facts to chunks."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.errors import LLMOutputError
from extraction.facts import bind_facts, parse_output
from extraction.prompts import CATEGORIES, OUTPUT_SCHEMA
from tests.extraction.helpers import fake_items


def test_json_inside_a_code_fence_parses() -> None:
    answer = (
        '{"facts": [{"chunk": "c1", "category": "work", "text": " Works  as a nurse ", '
        '"key": "Job Title", "value": " nurse "}]}'
    )
    text = f"Here you go:\n```json\n{answer}\n```"
    fact = parse_output(text).facts[0]
    assert (fact.text, fact.key, fact.value, fact.category) == (
        "Works as a nurse",
        "job_title",
        "nurse",
        "work",
    )
    assert fact.status == "current"


def test_a_trailing_note_with_braces_does_not_lose_the_answer() -> None:
    text = '{"facts": [{"chunk": "c1", "category": "pets", "text": "Has a cat"}]}\nSkipped {x}.'
    assert [f.text for f in parse_output(text).facts] == ["Has a cat"]


def test_an_object_before_the_answer_is_skipped() -> None:
    text = 'Format {"a": 1} understood. {"facts": [{"category": "pets", "text": "Has a cat"}]}'
    assert [f.text for f in parse_output(text).facts] == ["Has a cat"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no json here", "no JSON object"),
        ('{"facts": [}', "invalid JSON"),
        ('{"facts": "none"}', "facts schema"),
        ('{"other": []}', "facts schema"),
    ],
)
def test_an_answer_without_a_facts_list_raises_with_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(LLMOutputError, match=problem):
        parse_output(text)


def test_invalid_facts_are_dropped_one_by_one_with_their_reasons() -> None:
    text = json.dumps(
        {
            "facts": [
                {"category": "work", "text": ""},
                {"category": "hobbies", "text": "Plays chess"},
                {"category": "pets", "text": "Has a cat", "status": "maybe"},
                "a string",
                {"category": "pets", "text": "Has a dog"},
            ]
        }
    )
    parsed = parse_output(text)
    assert [f.text for f in parsed.facts] == ["Has a dog"]
    assert parsed.dropped == 4
    assert parsed.problems[0].startswith("facts[0].text")
    assert len(parsed.problems) == 3  # the first reasons, for the log


def test_facts_are_bound_by_short_references_and_foreign_messages_dropped() -> None:
    items = fake_items(2)
    output = parse_output(
        '{"facts": [{"chunk": "c2", "category": "pets", "text": "Has a cat", '
        '"messages": ["m2", "m1", "m9"]}]}'
    )
    bound = bind_facts(output, items)
    assert bound.facts["chunk-0"] == []
    fact = bound.facts["chunk-1"][0]
    assert fact.message_ids == ("m-1",)  # m1 is chunk-0's turn, m9 does not exist
    assert (fact.chunk_id, fact.conversation_id) == ("chunk-1", "conv-0")
    assert bound.dropped == 0


def test_a_fact_naming_an_unknown_chunk_is_dropped_unless_the_call_had_one_chunk() -> None:
    output = parse_output(
        '{"facts": [{"chunk": "c7", "category": "pets", "text": "Has a cat"}, '
        '{"chunk": "c1", "category": "pets", "text": "Has a dog"}]}'
    )
    assert [f.text for f in bind_facts(output, fake_items(1)).facts["chunk-0"]] == [
        "Has a cat",
        "Has a dog",
    ]
    bound = bind_facts(output, fake_items(2))
    assert [f.text for f in bound.facts["chunk-0"]] == ["Has a dog"]
    assert bound.dropped == 1


def test_a_value_without_a_key_is_not_an_attribute() -> None:
    output = parse_output(
        '{"facts": [{"chunk": "c1", "category": "pets", "key": "", "value": "Rex", '
        '"text": "Has a dog named Rex"}]}'
    )
    fact = bind_facts(output, fake_items(1)).facts["chunk-0"][0]
    assert (fact.key, fact.value) == (None, None)


def test_the_output_schema_asks_for_every_field_of_a_fact_and_nothing_else() -> None:
    from extraction.facts import RawFact

    item = OUTPUT_SCHEMA["properties"]["facts"]["items"]
    assert set(item["properties"]) == set(RawFact.model_fields)
    assert set(item["required"]) == set(RawFact.model_fields)
    assert item["properties"]["category"]["enum"] == list(CATEGORIES)
    assert item["additionalProperties"] is False


fact_objects = st.fixed_dictionaries(
    {
        "chunk": st.sampled_from(["c1", "c2"]),
        "category": st.sampled_from(CATEGORIES),
        "key": st.sampled_from(["", "home_city", "car"]),
        "value": st.text(max_size=30),
        "status": st.sampled_from(["current", "former"]),
        "text": st.text(min_size=1, max_size=40).filter(lambda t: len(" ".join(t.split())) >= 2),
        "messages": st.lists(st.sampled_from(["m1", "m2", "m5"]), max_size=3),
    }
)


@settings(max_examples=60, deadline=None)
@given(facts=st.lists(fact_objects, max_size=8))
def test_every_answer_the_output_schema_allows_is_kept_whole(
    facts: list[dict[str, object]],
) -> None:
    parsed = parse_output(json.dumps({"facts": facts}))
    assert parsed.dropped == 0
    assert len(parsed.facts) == len(facts)
