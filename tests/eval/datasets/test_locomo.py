"""The LoCoMo reader on a hand-written file and on the real dev split."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from chunking import Role, conversation_text
from chunking.render import render
from eval.datasets.locomo import CATEGORIES, parse_locomo, read_locomo
from eval.errors import MalformedDatasetError
from eval.metrics.coverage import evidence_spans

TINY_TEXT = (
    "Session 1: 1:56 pm on 8 May, 2023\n\n"
    "Ana: Hi Bo! I adopted a cat named Miso.\n\n"
    "Bo: Congrats! I'm training for a marathon.\n\n"
    "Session 2: 9:05 am on 3 June, 2023\n\n"
    "Ana: I moved to Porto last week.\n\n"
    "Bo: Look at my new bike! [image: a photo of a red bicycle]\n\n"
    "Session 10: 8:00 pm on 1 January, 2024\n\n"
    "Bo: I finished the marathon."
)


def test_tiny_file_renders_sessions_in_order_with_dates(tiny_locomo_path):
    dataset = read_locomo(tiny_locomo_path)
    first, second = dataset.conversations
    assert first.id == "tiny-1"
    assert second.id == "sample-1"
    assert conversation_text(first) == TINY_TEXT
    assert conversation_text(second) == "Cy: My sister lives in Oslo."
    roles = {m.id: (m.role, m.name) for m in first.messages}
    assert roles["session_1"] == (Role.SYSTEM, "Session 1")
    assert roles["D1:1"] == (Role.USER, "Ana")
    assert roles["D1:2"] == (Role.ASSISTANT, "Bo")
    by_id = {m.id: m for m in first.messages}
    assert by_id["D2:1"].created_at == datetime(2023, 6, 3, 9, 5)
    assert first.created_at == datetime(2023, 5, 8, 13, 56)


def test_tiny_file_keeps_and_skips_the_right_queries(tiny_locomo_path):
    dataset = read_locomo(tiny_locomo_path)
    kept = {q.id: (q.category_label, q.evidence, q.answer) for q in dataset.queries}
    assert kept == {
        "tiny-1#q0": ("single-hop", ("D1:1",), "Miso"),
        "tiny-1#q1": ("temporal", ("D2:1",), "The week before 3 June 2023"),
        "tiny-1#q2": ("multi-hop", ("D1:2", "D10:1"), "A marathon; yes"),
        "tiny-1#q3": ("open-domain", ("D2:2",), "1"),
        "sample-1#q0": ("single-hop", ("D1:1",), "Oslo"),
    }
    assert dataset.skipped_adversarial == 1
    assert dataset.skipped_no_evidence == 1
    # D9:9 does not exist; D1:2 of sample-1 is blank, so it is not rendered.
    assert dataset.skipped_unknown_evidence == 2
    assert dataset.unknown_evidence_ids == ("tiny-1: D9:9", "sample-1: D1:2")
    assert dataset.split_evidence_entries == 1
    assert dataset.queries_per_category() == {
        "multi-hop": 1,
        "temporal": 1,
        "open-domain": 1,
        "single-hop": 2,
    }


def test_evidence_spans_are_the_turns_text(tiny_locomo_path):
    dataset = read_locomo(tiny_locomo_path)
    conversations = {c.id: c for c in dataset.conversations}
    query = next(q for q in dataset.queries if q.id == "tiny-1#q2")
    text = conversation_text(conversations["tiny-1"])
    spans = evidence_spans(conversations["tiny-1"], query.evidence)
    assert [text[s.start : s.end] for s in spans] == [
        "Bo: Congrats! I'm training for a marathon.",
        "Bo: I finished the marathon.",
    ]


def test_captions_can_be_left_out(tiny_locomo_path):
    dataset = read_locomo(tiny_locomo_path, include_captions=False)
    assert "[image:" not in conversation_text(dataset.conversations[0])


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"conversation": {}}, "expected a list of samples"),
        ([{"qa": []}], "conversation"),
        ([{"conversation": {"session_1": [{"speaker": "A", "text": "hi"}]}}], "dia_id"),
        ([{"conversation": {"session_1": "hello"}}], "session_1"),
        ([{"sample_id": "s", "conversation": {"session_1": [
            {"speaker": "A", "dia_id": "D1:1", "text": "a"},
            {"speaker": "A", "dia_id": "D1:1", "text": "b"}]}}], "appears twice"),
    ],
)  # fmt: skip
def test_malformed_data_is_reported_with_where_and_what(data, fragment):
    with pytest.raises(MalformedDatasetError, match=fragment):
        parse_locomo(data, source="x.json")


def test_a_file_that_is_not_json_is_reported(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(MalformedDatasetError, match=r"bad\.json"):
        read_locomo(path)


def test_real_dev_split_matches_a_direct_reading(locomo_dev_path):
    raw = json.loads(locomo_dev_path.read_text(encoding="utf-8"))
    dataset = read_locomo(locomo_dev_path)
    assert [c.id for c in dataset.conversations] == [s["sample_id"] for s in raw]
    for sample, conversation in zip(raw, dataset.conversations, strict=True):
        turns = [
            turn
            for key, value in sample["conversation"].items()
            if key.startswith("session_") and isinstance(value, list)
            for turn in value
        ]
        rendered_ids = {m.id for m in render(conversation).messages}
        assert {t["dia_id"] for t in turns} <= rendered_ids
        fields = sample["conversation"]
        headers = sum(1 for key in fields if key.endswith("_date_time") and fields.get(key[:-10]))
        assert len(rendered_ids) - len(turns) == headers
    items = [item for sample in raw for item in sample["qa"]]
    adversarial = sum(1 for item in items if item["category"] == 5)
    skipped = dataset.skipped_no_evidence + dataset.skipped_unknown_evidence
    assert dataset.skipped_adversarial == adversarial
    assert len(dataset.queries) + skipped == len(items) - adversarial
    assert skipped < 0.02 * len(dataset.queries)
    assert {q.category for q in dataset.queries} == set(CATEGORIES)
    conversations = {c.id: c for c in dataset.conversations}
    for query in dataset.queries:
        for span in evidence_spans(conversations[query.conversation_id], query.evidence):
            assert span.end > span.start
