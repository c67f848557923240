"""A LoCoMo file as an evaluation dataset: corpora, queries and their gold."""

from pathlib import Path

from chunking.render import render
from eval.datasets.loading import load_dataset
from eval.datasets.locomo import read_locomo

TINY = Path(__file__).parents[1] / "data" / "locomo_tiny.json"


def test_each_sample_is_a_corpus_and_each_kept_question_a_query():
    dataset = load_dataset(TINY)
    locomo = read_locomo(TINY)
    assert [corpus.user_id for corpus in dataset.corpora] == [c.id for c in locomo.conversations]
    assert len(dataset.queries) == len(locomo.queries)
    assert {query.kind for query in dataset.queries} <= {
        "multi-hop", "temporal", "open-domain", "single-hop",
    }  # fmt: skip


def test_gold_spans_are_the_rendered_evidence_turns():
    dataset = load_dataset(TINY)
    conversations = {c.id: c for corpus in dataset.corpora for c in corpus.conversations}
    for query in dataset.queries:
        assert query.gold.messages
        expected = set()
        for conversation_id, turn_id in query.gold.messages:
            conversation = conversations[conversation_id]
            message = next(m for m in conversation.messages if m.id == turn_id)
            expected.add(f"{message.label}: {message.content}")
        texts = {
            render(conversations[span.conversation_id]).text[span.start : span.end]
            for span in query.gold.spans
        }
        assert texts == expected
