"""The cost levers on the sample export, by the ledger (offline estimates, Haiku 4.5 prices)."""

from __future__ import annotations

from pathlib import Path

from chunking.formats import load_export
from extraction.costing import lever_costs
from extraction.offline import OfflineLLM
from tests.extraction.conftest import SAMPLE_EXPORT
from tests.extraction.synthetic import write_export


def costs() -> dict[str, float]:
    return {
        c.name: c.ratio_to_naive
        for c in lever_costs(load_export(SAMPLE_EXPORT), llm_factory=OfflineLLM)
    }


def test_every_lever_costs_no_more_than_naive_and_batches_halve() -> None:
    ratios = costs()
    assert ratios["naive"] == 1.0
    assert all(ratio <= 1.0 for ratio in ratios.values())
    assert ratios["batches_api"] == 0.5
    assert ratios["default_levers_with_batches"] == ratios["default_levers"] / 2


def test_first_import_with_the_levers_is_at_most_a_fifth_of_naive() -> None:
    # The bar of the issue, measured: the default levers plus the Batches API (direct API).
    assert costs()["default_levers_with_batches"] <= 0.20


def test_on_a_larger_generated_export_the_default_levers_alone_stay_under_a_fifth(
    tmp_path: Path,
) -> None:
    export = write_export(tmp_path / "export.json", 10)
    ratios = {c.name: c for c in lever_costs(load_export(export), llm_factory=OfflineLLM)}
    assert ratios["default_levers"].ratio_to_naive <= 0.20
    assert ratios["trim_assistant"].ratio_to_naive < 1.0  # long assistant turns are cut


def test_the_model_is_a_lever_priced_in_its_own_tokens() -> None:
    from extraction.costing import model_costs

    rows = {c.name: c for c in model_costs(load_export(SAMPLE_EXPORT))}
    old, new = rows["claude-haiku-4-5"].ledger, rows["claude-haiku-5-5"].ledger
    assert old.calls == new.calls

    def prompt(ledger: object) -> int:
        return ledger.input_tokens + ledger.cache_write_tokens + ledger.cache_read_tokens  # type: ignore[attr-defined]

    # The same prompts, counted about 30% larger by Haiku 5.5's tokenizer; its
    # system prompt reaches its 512-token cache minimum, Haiku 4.5's 4,096 not.
    assert 1.25 <= prompt(new) / prompt(old) <= 1.35
    assert new.cache_write_tokens > 0 == old.cache_write_tokens
    assert new.cost_usd < old.cost_usd
    assert rows["claude-haiku-5-5"].ratio_to_naive == 1.0  # the default model is the reference
