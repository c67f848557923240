"""The offline stand-in: rules over the user's turns, estimated usage, honest description."""

from __future__ import annotations

import asyncio
import json

from extraction.items import Turn
from extraction.offline import FactsMemo, OfflineLLM, facts_of_turn
from extraction.prompts import SYSTEM_PROMPT, build_request
from tests.extraction.helpers import sample_items


def texts(sentence: str, role: str = "user") -> list[str]:
    return [str(f["text"]) for f in facts_of_turn(Turn(role, "m1", sentence))]


def test_rules_cover_the_kinds_of_self_statements() -> None:
    assert texts("Hi, my name is Joana Lima.") == ["Name is Joana Lima"]
    assert texts("I live in Faro and I work as a nurse at the hospital.") == [
        "Lives in Faro",
        "Works as a nurse at the hospital",
    ]
    assert texts("My husband Pedro cooks.") == ["Has a husband named Pedro"]
    assert texts("I have a dog named Rex.") == ["Has a dog named Rex"]
    assert texts("I prefer tea over coffee.") == ["Prefers tea over coffee"]
    assert texts("I'm building a birdhouse.") == ["Is building a birdhouse"]
    assert texts("My goal is to learn German.") == ["Goal: learn German"]


def test_assistant_turns_give_no_facts() -> None:
    assert texts("My name is Claude.", role="assistant") == []


def test_answers_have_the_models_json_shape_and_are_deterministic() -> None:
    request = build_request(sample_items(), assistant_chars=None, cache_system=False)
    first = asyncio.run(OfflineLLM().complete(request))
    second = asyncio.run(OfflineLLM().complete(request))
    assert first == second
    facts = json.loads(first.text)["facts"]
    assert {"chunk", "category", "text", "messages"} <= set(facts[0])
    assert all(f["chunk"].startswith("c") and f["messages"][0].startswith("m") for f in facts)


def test_a_shared_memo_changes_no_answer_and_is_not_changed_by_callers() -> None:
    request = build_request(sample_items(), assistant_chars=None, cache_system=False)
    memo: FactsMemo = {}
    plain = asyncio.run(OfflineLLM().complete(request))
    first = asyncio.run(OfflineLLM(memo=memo).complete(request))
    assert memo  # the user turns' facts were kept
    kept = {text: [dict(fact) for fact in facts] for text, facts in memo.items()}
    for fact in facts_of_turn(Turn("user", "m9", next(iter(memo))), memo):
        fact["text"] = "changed by a caller"
    again = asyncio.run(OfflineLLM(memo=memo).complete(request))
    assert plain == first == again
    assert {text: [dict(fact) for fact in facts] for text, facts in memo.items()} == kept


def test_usage_is_a_cl100k_estimate_and_says_so() -> None:
    from chunking.tokens import get_tokenizer

    request = build_request(sample_items()[:1], assistant_chars=None, cache_system=False)
    llm = OfflineLLM()
    response = asyncio.run(llm.complete(request))
    count = get_tokenizer().count
    expected = count(SYSTEM_PROMPT) + 4 + count(request.messages[0].text) + 4
    assert response.usage.input_tokens == expected
    assert response.usage.output_tokens == count(response.text)
    assert response.usage.estimated
    assert llm.estimates
    assert "stand-in" in llm.description
    assert "estimate" in llm.description
