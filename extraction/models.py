"""The model registry: logical model names, each provider's model id, and prices.

``MODELS`` maps a logical name to a :class:`ModelSpec`. Prices are US dollars
per million tokens; the Message Batches API bills every kind of token at
``batch_discount`` times the listed price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from extraction.errors import UnknownModelError

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "ModelPrices",
    "ModelSpec",
    "Provider",
    "get_model",
    "provider_model_id",
]

Provider = Literal["anthropic", "bedrock"]

_PREFIX = re.compile(r"^[a-z]{2,12}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelPrices:
    """US dollars per million tokens of each kind."""

    input: float
    output: float
    cache_write: float
    cache_read: float
    batch_discount: float = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSpec:
    """One model: its ids on each provider, its prices and its caching minimum.

    Attributes:
        name: the logical name (a key of ``MODELS``).
        direct_id: the model id on the Anthropic API.
        bedrock_id: the model id on AWS Bedrock (without a cross-region prefix).
        prices: per-million-token prices.
        min_cache_prefix_tokens: the shortest prefix prompt caching accepts.
    """

    name: str
    direct_id: str
    bedrock_id: str
    prices: ModelPrices
    min_cache_prefix_tokens: int


DEFAULT_MODEL = "claude-haiku-4-5"

MODELS: dict[str, ModelSpec] = {
    "claude-haiku-4-5": ModelSpec(
        name="claude-haiku-4-5",
        direct_id="claude-haiku-4-5-20251001",
        bedrock_id="anthropic.claude-haiku-4-5-20251001-v1:0",
        prices=ModelPrices(input=1.0, output=5.0, cache_write=1.25, cache_read=0.10),
        min_cache_prefix_tokens=4096,
    ),
}


def get_model(name: str) -> ModelSpec:
    """The spec of logical model ``name``.

    Raises:
        UnknownModelError: ``name`` is not a key of ``MODELS`` (lists the valid ones).
    """
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModelError(name, tuple(sorted(MODELS))) from None


def provider_model_id(
    spec: ModelSpec, provider: Provider, *, region_prefix: str | None = None
) -> str:
    """The id to send to ``provider``.

    On Bedrock, ``region_prefix`` (``"us"``, ``"eu"``, ``"global"``...) selects a
    cross-region inference profile: ``us.anthropic.claude-...``.

    >>> provider_model_id(MODELS["claude-haiku-4-5"], "bedrock", region_prefix="eu")
    'eu.anthropic.claude-haiku-4-5-20251001-v1:0'

    Raises:
        ValueError: a prefix on the direct API, or a prefix that is not a short
            lowercase word.
    """
    if provider == "anthropic":
        if region_prefix:
            raise ValueError(
                f"cross-region prefix {region_prefix!r} only applies to Bedrock; "
                "unset it for the direct API"
            )
        return spec.direct_id
    if not region_prefix:
        return spec.bedrock_id
    if not _PREFIX.match(region_prefix):
        raise ValueError(
            f"cross-region prefix {region_prefix!r} is not a lowercase word such as "
            "'us', 'eu', 'apac' or 'global'"
        )
    return f"{region_prefix}.{spec.bedrock_id}"
