"""Settings: read at call time only, validated, secrets never shown."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from extraction.errors import SettingsError
from extraction.models import BEDROCK_GEOGRAPHIES, MODELS, get_model, provider_model_id
from extraction.settings import load_settings, mask_secret
from tests.extraction.conftest import REPO

SECRET = "sk-ant-api03-verysecretvalue-WXYZ"


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ANTHROPIC_API_KEY": SECRET},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_every_module_reads_no_setting_from_the_environment() -> None:
    out = run_python(
        """
        import os, pkgutil, importlib
        read = []
        class Watch(type(os.environ)):
            def __getitem__(self, key):
                read.append(key); return super().__getitem__(key)
            def get(self, key, default=None):
                read.append(key); return super().get(key, default)
            def __contains__(self, key):
                read.append(key); return super().__contains__(key)
            def __iter__(self):
                read.append("*ALL*"); return super().__iter__()
        os.environ.__class__ = Watch
        import extraction
        for info in pkgutil.walk_packages(extraction.__path__, prefix="extraction."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
        def ours():
            return [k for k in read if k.startswith(("EXTRACTION_", "ANTHROPIC_", "AWS_", "*"))]
        at_import = len(ours())
        extraction.load_settings()  # proves the watch sees how settings read the environment
        print(at_import, len(ours()) > 0)
        """
    )
    assert out == "0 True"


def test_settings_are_read_when_asked() -> None:
    out = run_python(
        """
        import os
        from extraction.settings import load_settings
        os.environ["EXTRACTION_CONCURRENCY"] = "5"
        print(load_settings().concurrency)
        """
    )
    assert out == "5"


def test_import_chunking_and_extraction_do_not_import_anthropic() -> None:
    out = run_python(
        """
        import sys, chunking
        a = "anthropic" in sys.modules
        import extraction, extraction.pipeline, extraction.cli
        print(a, "anthropic" in sys.modules)
        """
    )
    assert out == "False False"


def test_missing_key_names_the_variable_and_invalid_values_are_not_echoed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SettingsError, match="ANTHROPIC_API_KEY is not set"):
        load_settings().require_credentials()
    monkeypatch.setenv("EXTRACTION_CONCURRENCY", "lots-sk-secret")
    with pytest.raises(SettingsError, match="EXTRACTION_CONCURRENCY") as caught:
        load_settings()
    assert "lots-sk-secret" not in str(caught.value)
    monkeypatch.setenv("EXTRACTION_CONCURRENCY", "0")
    with pytest.raises(SettingsError, match="EXTRACTION_CONCURRENCY"):
        load_settings()


def test_explicit_aws_credentials_need_both_halves() -> None:
    settings = load_settings(provider="bedrock", aws_region="us-east-1", aws_access_key_id="AKIAX")
    with pytest.raises(SettingsError, match="AWS_SECRET_ACCESS_KEY"):
        settings.require_credentials()


@pytest.mark.parametrize(
    ("provider", "prefix", "model", "expected"),
    [
        ("bedrock", "usa", "claude-haiku-4-5", "no Bedrock inference profile 'usa'; valid: us,"),
        ("bedrock", "apac", "claude-haiku-5-5", "no Bedrock inference profile 'apac'"),
        ("anthropic", "us", "claude-haiku-4-5", "selects a Bedrock inference profile"),
    ],
)
def test_a_region_prefix_must_be_one_of_the_models_profiles(
    provider: str, prefix: str, model: str, expected: str
) -> None:
    with pytest.raises(SettingsError, match=f"EXTRACTION_BEDROCK_REGION_PREFIX.*{expected}"):
        load_settings(
            provider=provider, aws_region="eu-west-1", model=model, bedrock_region_prefix=prefix
        )
    assert load_settings(provider="offline", bedrock_region_prefix="US").provider == "offline"
    assert (
        load_settings(provider="bedrock", aws_region="eu-west-1", bedrock_region_prefix="US")
        .model_id()
        .startswith("us.")
    )


def test_batches_only_on_the_direct_api() -> None:
    with pytest.raises(SettingsError, match="EXTRACTION_BATCH"):
        load_settings(provider="bedrock", aws_region="us-east-1", batch=True).require_credentials()


def test_secrets_never_appear_in_repr_str_or_describe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    settings = load_settings()
    shown = f"{settings!r} {settings} {settings.describe()}"
    assert SECRET[:-4] not in shown
    assert settings.describe()["anthropic_api_key"] == "…WXYZ"
    assert settings.anthropic_api_key is not None
    assert settings.anthropic_api_key.get_secret_value() == SECRET


def test_mask_secret_shows_at_most_the_last_four() -> None:
    assert mask_secret(SECRET) == "…WXYZ"
    assert mask_secret("short") == "…"
    assert mask_secret(None) == "(not set)"


def test_levers_follow_the_settings() -> None:
    levers = load_settings(tier="large", assistant_chars=-1, chunks_per_call=2).levers()
    assert [t.value for t in levers.tiers] == ["large"]
    assert levers.assistant_chars is None
    assert levers.chunks_per_call == 2
    assert load_settings().concurrency == 3


def test_model_registry() -> None:
    spec = get_model("claude-haiku-4-5")
    assert provider_model_id(spec, "anthropic") == "claude-haiku-4-5-20251001"
    assert (
        provider_model_id(spec, "bedrock", region_prefix="us")
        == "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    )
    with pytest.raises(ValueError, match="only applies to Bedrock"):
        provider_model_id(spec, "anthropic", region_prefix="us")
    with pytest.raises(ValueError, match="no Bedrock inference profile None"):
        provider_model_id(spec, "bedrock")  # the bare id is a 400 on demand
    with pytest.raises(LookupError, match="claude-haiku-4-5"):
        get_model("gpt")
    with pytest.raises(SettingsError, match="EXTRACTION_MODEL"):
        load_settings(model="nope")
    assert (spec.prices.input, spec.prices.output) == (1.0, 5.0)
    assert set(MODELS) == {"claude-haiku-4-5", "claude-haiku-5-5"}


def test_haiku_5_5_prices_long_prompts_at_the_higher_rate() -> None:
    prices = get_model("claude-haiku-5-5").prices
    assert (prices.input, prices.output, prices.cache_write) == (0.10, 0.50, 0.125)
    assert prices.for_prompt(100_000) is prices
    long = prices.for_prompt(100_001)
    assert (long.input, long.output, long.cache_write) == (0.50, 2.50, 0.625)
    assert get_model("claude-haiku-5-5").tokens_per_haiku_4_5_token == 1.30


def test_every_model_has_a_direct_id_a_bedrock_id_and_a_global_profile() -> None:
    for spec in MODELS.values():
        assert spec.direct_id.startswith("claude-")
        assert spec.bedrock_id.startswith("anthropic.")
        assert "global" in spec.bedrock_geographies
        assert set(spec.bedrock_geographies) <= set(BEDROCK_GEOGRAPHIES)
        assert spec.direct_id.replace("-20251001", "") in spec.bedrock_id


@pytest.mark.parametrize(
    ("region", "model", "prefix"),
    [
        ("us-west-2", "claude-haiku-4-5", "us"),
        ("eu-central-1", "claude-haiku-5-5", "eu"),
        ("ap-northeast-1", "claude-haiku-5-5", "jp"),
        ("ap-southeast-2", "claude-haiku-4-5", "au"),
        ("ap-south-1", "claude-haiku-4-5", "apac"),
        ("ap-south-1", "claude-haiku-5-5", "global"),
        ("me-central-1", "claude-haiku-4-5", "global"),
    ],
)
def test_the_bedrock_profile_follows_aws_region(region: str, model: str, prefix: str) -> None:
    settings = load_settings(provider="bedrock", aws_region=region, model=model)
    assert settings.bedrock_profile() == prefix
    assert settings.model_id().startswith(f"{prefix}.anthropic.")


def test_a_regional_bedrock_profile_costs_more_than_global() -> None:
    eu = load_settings(provider="bedrock", aws_region="eu-west-1", model="claude-haiku-4-5")
    world = load_settings(
        provider="bedrock",
        aws_region="eu-west-1",
        model="claude-haiku-4-5",
        bedrock_region_prefix="global",
    )
    assert eu.prices().input == 1.1
    assert world.prices().input == 1.0
    assert load_settings(provider="anthropic", model="claude-haiku-4-5").prices().input == 1.0
