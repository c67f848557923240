"""Validation of the model's output and binding of facts to chunks."""

from __future__ import annotations

import pytest

from extraction.errors import LLMOutputError
from extraction.facts import bind_facts, parse_output
from tests.extraction.helpers import fake_items


def test_json_inside_a_code_fence_parses() -> None:
    answer = (
        '{"facts": [{"chunk": "c1", "category": "work", "text": " Works  as a nurse ", '
        '"key": "Job"}]}'
    )
    text = f"Here you go:\n```json\n{answer}\n```"
    fact = parse_output(text).facts[0]
    assert (fact.text, fact.key, fact.category) == ("Works as a nurse", "job", "work")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no json here", "no JSON object"),
        ('{"facts": [}', "invalid JSON"),
        ('{"facts": "none"}', "facts schema"),
        ('{"facts": [{"category": "work", "text": ""}]}', "facts schema"),
        ('{"other": []}', "facts schema"),
    ],
)
def test_unusable_output_raises_with_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(LLMOutputError, match=problem):
        parse_output(text)


def test_facts_are_bound_by_short_references_and_foreign_messages_dropped() -> None:
    items = fake_items(2)
    output = parse_output(
        '{"facts": [{"chunk": "c2", "category": "pets", "text": "Has a cat", '
        '"messages": ["m2", "m1", "m9"]}]}'
    )
    bound = bind_facts(output, items)
    assert bound["chunk-0"] == []
    fact = bound["chunk-1"][0]
    assert fact.message_ids == ("m-1",)  # m1 is chunk-0's turn, m9 does not exist
    assert (fact.chunk_id, fact.conversation_id) == ("chunk-1", "conv-0")


def test_an_unknown_chunk_reference_is_an_error_unless_the_call_had_one_chunk() -> None:
    output = parse_output('{"facts": [{"chunk": "c7", "category": "pets", "text": "Has a cat"}]}')
    assert bind_facts(output, fake_items(1))["chunk-0"][0].text == "Has a cat"
    with pytest.raises(LLMOutputError, match="c7"):
        bind_facts(output, fake_items(2))
