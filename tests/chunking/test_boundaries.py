"""Safe cuts (chunking.boundaries), checked directly: cl100k tokenizes both sides as the whole."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chunking.boundaries import fine_cuts, line_cuts, sentence_cuts
from chunking.tokens import get_tokenizer
from tests.chunking.invariants import grapheme_boundaries
from tests.chunking.strategies import texts

ENCODING = get_tokenizer().encoding

# Punctuation runs that sit between letters in text written without spaces, and
# closers after words: the places where a cut is most easily wrong.
_TIGHT = st.sampled_from(
    ["a", "b", "\u4e2d", "\u6587", ")", "%", "\u3001\u3001", "\u3002\u3002", "\u3001", "\uff09",
     "a)", "x%", "\u300d", ".", "'s"]
)  # fmt: skip
cut_texts = st.one_of(texts, st.lists(_TIGHT, max_size=40).map("".join)).map(
    lambda text: "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)  # as rendered
)


def every_cut(text: str) -> set[int]:
    lines, _ = line_cuts(text, frozenset())
    sentences = sentence_cuts(text, 0, len(text))
    fine = [offset for offset, _ in fine_cuts(text, 0, len(text))]
    return {*lines, *sentences, *fine}


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut_texts)
def test_every_cut_keeps_the_tokenization_and_the_graphemes(text: str) -> None:
    whole = len(ENCODING.encode_ordinary(text))
    graphemes = grapheme_boundaries(text)
    for cut in sorted(every_cut(text)):
        left, right = text[:cut], text[cut:]
        assert 0 < cut < len(text), cut
        assert len(ENCODING.encode_ordinary(left)) + len(ENCODING.encode_ordinary(right)) == whole
        assert cut in graphemes, cut


def test_known_cuts_are_found() -> None:
    assert every_cut("One. Two\nThree") == {4, 9}  # the sentence space, the line start
    assert every_cut("\u4e2d\u3001\u6587") == {1}  # before clause punctuation between letters
    assert every_cut("a\u3001\u30012") == set()  # not between a letter and a digit
