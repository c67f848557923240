import pytest

from chunking import ChunkTier
from chunking.errors import ChunkingError, InvalidTierError


def test_values_are_exactly_the_production_enum():
    # The labels of chunk_tier_enum in production, in nesting order.
    assert [tier.value for tier in ChunkTier] == ["small", "medium", "large"]


def test_parents_follow_the_nesting_order():
    assert ChunkTier.SMALL.parent is ChunkTier.MEDIUM
    assert ChunkTier.MEDIUM.parent is ChunkTier.LARGE
    assert ChunkTier.LARGE.parent is None


@pytest.mark.parametrize("value", ["small", "medium", "large", ChunkTier.LARGE])
def test_parse_accepts_enum_values(value):
    assert ChunkTier.parse(value).value == str(value)


@pytest.mark.parametrize("value", ["Small", "tiny", "", None, 1, "xl"])
def test_parse_rejects_anything_else_and_lists_valid_values(value):
    with pytest.raises(InvalidTierError) as caught:
        ChunkTier.parse(value)
    assert isinstance(caught.value, ChunkingError)
    assert isinstance(caught.value, ValueError)
    assert "'small', 'medium', 'large'" in str(caught.value)
