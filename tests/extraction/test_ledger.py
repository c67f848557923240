"""The ledger's totals and dollars, against a direct computation."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.ledger import Ledger
from extraction.llm import Usage
from extraction.models import MODELS

PRICES = MODELS["claude-haiku-4-5"].prices

usages = st.builds(
    Usage,
    input_tokens=st.integers(0, 10**6),
    output_tokens=st.integers(0, 10**5),
    cache_write_tokens=st.integers(0, 10**5),
    cache_read_tokens=st.integers(0, 10**5),
    estimated=st.booleans(),
)


@settings(max_examples=50)
@given(calls=st.lists(st.tuples(usages, st.booleans()), max_size=20))
def test_totals_and_cost_match_the_price_list(calls: list[tuple[Usage, bool]]) -> None:
    ledger = Ledger(PRICES)
    for usage, batch in calls:
        ledger.record(usage, batch=batch)
    summary = ledger.summary()
    expected = sum(
        (
            u.input_tokens * 1.0
            + u.output_tokens * 5.0
            + u.cache_write_tokens * 1.25
            + u.cache_read_tokens * 0.10
        )
        / 1e6
        * (0.5 if batch else 1.0)
        for u, batch in calls
    )
    assert summary.calls == len(calls)
    assert summary.input_tokens == sum(u.input_tokens for u, _ in calls)
    assert summary.cost_usd == __import__("pytest").approx(expected)
    assert summary.estimated == any(u.estimated for u, _ in calls)
    assert summary.to_dict()["tokens"]["total"] == summary.total_tokens


def test_one_million_input_tokens_of_haiku_cost_one_dollar() -> None:
    ledger = Ledger(PRICES)
    ledger.record(Usage(input_tokens=1_000_000))
    ledger.record(Usage(output_tokens=1_000_000), batch=True)
    assert ledger.summary().cost_usd == 1.0 + 2.5


@settings(max_examples=50)
@given(calls=st.lists(st.tuples(usages, st.booleans()), max_size=20))
def test_haiku_5_5_calls_are_priced_by_their_prompt_length(
    calls: list[tuple[Usage, bool]],
) -> None:
    import pytest

    ledger = Ledger(MODELS["claude-haiku-5-5"].prices)
    expected = 0.0
    for usage, batch in calls:
        ledger.record(usage, batch=batch)
        prompt = usage.input_tokens + usage.cache_write_tokens + usage.cache_read_tokens
        rates = (0.50, 2.50, 0.625, 0.05) if prompt > 100_000 else (0.10, 0.50, 0.125, 0.01)
        counts = (
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_write_tokens,
            usage.cache_read_tokens,
        )
        cost = sum(n * r for n, r in zip(counts, rates, strict=True)) / 1e6
        expected += cost * (0.5 if batch else 1.0)
    assert ledger.summary().cost_usd == pytest.approx(expected)


def test_a_prompt_of_exactly_100k_tokens_is_still_the_short_rate() -> None:
    import pytest

    ledger = Ledger(MODELS["claude-haiku-5-5"].prices)
    ledger.record(Usage(input_tokens=100_000))
    short = ledger.summary().cost_usd
    ledger.record(Usage(input_tokens=99_999, cache_read_tokens=2))
    assert short == pytest.approx(0.01)
    long = 99_999 * 0.5 / 1e6 + 2 * 0.05 / 1e6
    assert ledger.summary().cost_usd - short == pytest.approx(long)
