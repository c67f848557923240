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
