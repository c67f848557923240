"""Settings: read at call time only, validated, secrets never shown."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from extraction.errors import SettingsError
from extraction.models import MODELS, get_model, provider_model_id
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
    ("provider", "prefix", "expected"),
    [("bedrock", "US", "lowercase word"), ("anthropic", "us", "only applies to Bedrock")],
)
def test_a_bad_region_prefix_is_a_settings_error(provider: str, prefix: str, expected: str) -> None:
    with pytest.raises(SettingsError, match=f"EXTRACTION_BEDROCK_REGION_PREFIX: .*{expected}"):
        load_settings(provider=provider, bedrock_region_prefix=prefix)
    assert load_settings(provider="offline", bedrock_region_prefix="US").provider == "offline"


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
    assert provider_model_id(spec, "bedrock") == "anthropic.claude-haiku-4-5-20251001-v1:0"
    assert provider_model_id(spec, "bedrock", region_prefix="us").startswith("us.anthropic.")
    with pytest.raises(ValueError, match="only applies to Bedrock"):
        provider_model_id(spec, "anthropic", region_prefix="us")
    with pytest.raises(LookupError, match="claude-haiku-4-5"):
        get_model("gpt")
    with pytest.raises(SettingsError, match="EXTRACTION_MODEL"):
        load_settings(model="nope")
    assert spec.prices.input == 1.0
    assert spec.prices.output == 5.0
    assert set(MODELS) == {spec.name}
