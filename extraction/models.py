"""The model registry: logical model names, each provider's ids, prices and quirks.

``MODELS`` maps a logical name to a :class:`ModelSpec`. Prices are US dollars
per million tokens; the Message Batches API bills every kind of token at
``batch_discount`` times the listed price; a model may price prompts longer
than a threshold at a second rate (:attr:`ModelPrices.long_prompt`).

Sources (checked 2026-12-03):

- Claude Haiku 4.5: ``claude-haiku-4-5-20251001``, $1 / $5 per M tokens,
  cache writes $1.25, reads $0.10, batches half price, 4,096-token minimum
  cacheable prefix (Claude docs, models overview and pricing; AWS Bedrock
  model card for Haiku 4.5, which lists the in-region id and the ``us.``,
  ``eu.``... inference profiles and the 4,096-token cache minimum).
- Claude Haiku 5.5: ``claude-haiku-5-5``, released 2026-10-07; $0.10 / $0.50
  per M tokens for prompts up to 100,000 tokens, $0.50 / $2.50 above; 5-minute
  cache writes $0.125 / $0.625; counts about 30% more tokens than Haiku 4.5
  for the same text; adaptive thinking on by default, its tokens billed as
  output (Claude docs, "Claude Haiku 5.5" overview and what's new). Cache
  reads ($0.01 / $0.05), the 512-token cache minimum and the Bedrock ids
  (``anthropic.claude-haiku-5-5``, profiles ``us.``, ``eu.``, ``jp.``, ``au.``,
  ``global.``) come from third-party guides, not from the Claude or AWS pages
  we could read; check them against the AWS model card before relying on them.
- Bedrock bills cross-region profiles at the source region's price (AWS Bedrock
  pricing page); geographic and in-region profiles of Claude 4.5 and later cost
  10% more than ``global.`` (third-party guides): :func:`provider_prices`.
- Structured outputs are generally available for Haiku 4.5 on the Claude API
  and on Bedrock (Claude docs, structured outputs). Haiku 5.5 is not on the
  stored list; on Bedrock a third-party SDK falls back to tool use for it, so
  :attr:`ModelSpec.structured_outputs` leaves Bedrock out for Haiku 5.5 and its
  answers there are checked fact by fact as free text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from extraction.errors import UnknownModelError

__all__ = [
    "BEDROCK_GEOGRAPHIES",
    "DEFAULT_MODEL",
    "MODELS",
    "ModelPrices",
    "ModelSpec",
    "Provider",
    "bedrock_geography",
    "get_model",
    "provider_model_id",
    "provider_prices",
]

Provider = Literal["anthropic", "bedrock"]

BEDROCK_GEOGRAPHIES: tuple[str, ...] = ("us", "us-gov", "eu", "apac", "jp", "au", "ca", "global")
"""Every cross-region inference-profile prefix Bedrock documents; a model lists its own."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelPrices:
    """US dollars per million tokens of each kind.

    Attributes:
        long_prompt: the prices of a call whose prompt (input, cache writes and
            cache reads together) has more than ``long_prompt_above`` tokens.
    """

    input: float
    output: float
    cache_write: float
    cache_read: float
    batch_discount: float = 0.5
    long_prompt: ModelPrices | None = None
    long_prompt_above: int = 0

    def for_prompt(self, prompt_tokens: int) -> ModelPrices:
        """The prices of a call with ``prompt_tokens`` tokens of prompt.

        >>> MODELS["claude-haiku-5-5"].prices.for_prompt(150_000).input
        0.5
        """
        if self.long_prompt is not None and prompt_tokens > self.long_prompt_above:
            return self.long_prompt
        return self

    def scaled(self, factor: float) -> ModelPrices:
        """Every price times ``factor`` (a regional premium), long-prompt prices included."""
        return replace(
            self,
            input=round(self.input * factor, 6),
            output=round(self.output * factor, 6),
            cache_write=round(self.cache_write * factor, 6),
            cache_read=round(self.cache_read * factor, 6),
            long_prompt=self.long_prompt.scaled(factor) if self.long_prompt else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSpec:
    """One model: its ids on each provider, its prices and what its requests need.

    Attributes:
        name: the logical name (a key of ``MODELS``).
        direct_id: the model id on the Anthropic API.
        bedrock_id: the in-region model id on AWS Bedrock; calls go through an
            inference profile, ``<geography>.<bedrock_id>``.
        bedrock_geographies: the inference-profile prefixes Bedrock offers it under.
        prices: per-million-token prices on the Anthropic API (and Bedrock's
            ``global.`` profile).
        min_cache_prefix_tokens: the shortest prefix prompt caching accepts.
        tokens_per_haiku_4_5_token: how many of its tokens the same text
            counts, against Claude Haiku 4.5 (whose counts the cl100k estimates
            stand for).
        structured_outputs: the providers on which requests carry the output schema.
        request_params: extra Messages API parameters every request sends.
        legacy: superseded by a newer model of the same family.
    """

    name: str
    direct_id: str
    bedrock_id: str
    bedrock_geographies: tuple[str, ...]
    prices: ModelPrices
    min_cache_prefix_tokens: int
    tokens_per_haiku_4_5_token: float = 1.0
    structured_outputs: tuple[Provider, ...] = ("anthropic", "bedrock")
    request_params: Mapping[str, Any] = field(default_factory=dict)
    legacy: bool = False


MODELS: dict[str, ModelSpec] = {
    "claude-haiku-4-5": ModelSpec(
        name="claude-haiku-4-5",
        direct_id="claude-haiku-4-5-20251001",
        bedrock_id="anthropic.claude-haiku-4-5-20251001-v1:0",
        bedrock_geographies=("us", "eu", "apac", "jp", "au", "global"),
        prices=ModelPrices(input=1.0, output=5.0, cache_write=1.25, cache_read=0.10),
        min_cache_prefix_tokens=4096,
        legacy=True,
    ),
    "claude-haiku-5-5": ModelSpec(
        name="claude-haiku-5-5",
        direct_id="claude-haiku-5-5",
        bedrock_id="anthropic.claude-haiku-5-5",
        bedrock_geographies=("us", "eu", "jp", "au", "global"),
        prices=ModelPrices(
            input=0.10,
            output=0.50,
            cache_write=0.125,
            cache_read=0.01,
            long_prompt=ModelPrices(input=0.50, output=2.50, cache_write=0.625, cache_read=0.05),
            long_prompt_above=100_000,
        ),
        min_cache_prefix_tokens=512,
        tokens_per_haiku_4_5_token=1.30,
        structured_outputs=("anthropic",),
        # Extraction needs no reasoning: adaptive thinking (on by default) would
        # bill its tokens as output and count them against max_tokens.
        request_params={"thinking": {"type": "disabled"}},
    ),
}

DEFAULT_MODEL = "claude-haiku-5-5"
"""The default: on the six synthetic users under the default levers, offline estimates
price Haiku 4.5 at 9.8 times Haiku 5.5 ($0.1187 against $0.0121), and Haiku 4.5 is
legacy; extraction quality is not measured here (docs/llm-and-memory.md)."""

_REGIONAL_PREMIUM = 1.10


def get_model(name: str) -> ModelSpec:
    """The spec of logical model ``name``.

    Raises:
        UnknownModelError: ``name`` is not a key of ``MODELS`` (lists the valid ones).
    """
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModelError(name, tuple(sorted(MODELS))) from None


def bedrock_geography(region: str, spec: ModelSpec) -> str:
    """The inference-profile prefix for calls made from AWS region ``region``.

    The geography whose profile keeps requests in the region's part of the
    world, when ``spec`` has one; else ``global``.

    >>> bedrock_geography("eu-west-1", MODELS["claude-haiku-4-5"])
    'eu'
    >>> bedrock_geography("ap-south-1", MODELS["claude-haiku-5-5"])
    'global'
    """
    region = region.strip().lower()
    if region.startswith("us-gov-"):
        wanted = "us-gov"
    elif region.startswith("ap-northeast-1") or region.startswith("ap-northeast-3"):
        wanted = "jp"
    elif region.startswith(("ap-southeast-2", "ap-southeast-4")):
        wanted = "au"
    else:
        wanted = {"us": "us", "eu": "eu", "ap": "apac", "ca": "ca"}.get(region.split("-")[0], "")
    return wanted if wanted in spec.bedrock_geographies else "global"


def provider_model_id(
    spec: ModelSpec, provider: Provider, *, region_prefix: str | None = None
) -> str:
    """The id to send to ``provider``.

    On Bedrock it is an inference profile, ``<region_prefix>.<bedrock_id>``:
    Bedrock serves these models on demand only through profiles, and answers
    the bare in-region id with a 400.

    >>> provider_model_id(MODELS["claude-haiku-4-5"], "bedrock", region_prefix="eu")
    'eu.anthropic.claude-haiku-4-5-20251001-v1:0'

    Raises:
        ValueError: a prefix on the direct API, none on Bedrock, or one that is
            not among the model's inference profiles (the message lists them).
    """
    if provider == "anthropic":
        if region_prefix:
            raise ValueError(
                f"cross-region prefix {region_prefix!r} only applies to Bedrock; "
                "unset it for the direct API"
            )
        return spec.direct_id
    if region_prefix not in spec.bedrock_geographies:
        raise ValueError(
            f"{spec.name} has no Bedrock inference profile {region_prefix!r}; valid: "
            f"{', '.join(spec.bedrock_geographies)}"
        )
    return f"{region_prefix}.{spec.bedrock_id}"


def provider_prices(
    spec: ModelSpec, provider: Provider, *, region_prefix: str | None = None
) -> ModelPrices:
    """What calls to ``spec`` cost on ``provider`` through profile ``region_prefix``.

    >>> provider_prices(MODELS["claude-haiku-4-5"], "bedrock", region_prefix="eu").input
    1.1
    """
    if provider == "bedrock" and region_prefix != "global":
        return spec.prices.scaled(_REGIONAL_PREMIUM)
    return spec.prices
