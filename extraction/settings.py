"""Settings of the extraction service, read from the environment at call time.

Nothing here runs at import: :func:`load_settings` builds the settings object
when called. Variables (all optional unless the provider needs them)::

    EXTRACTION_PROVIDER        anthropic | bedrock | offline    (default anthropic)
    EXTRACTION_MODEL           logical model name                (default claude-haiku-5-5)
    ANTHROPIC_API_KEY          the direct API key (provider anthropic)
    AWS_REGION                 Bedrock region (provider bedrock)
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
                               explicit AWS credentials (else the AWS default chain)
    EXTRACTION_BEDROCK_REGION_PREFIX   the inference profile: us, eu, jp, au, global...
                               (default: the geography of AWS_REGION, else global)
    EXTRACTION_CONCURRENCY     LLM calls in flight at most       (default 3)
    EXTRACTION_TIMEOUT_S, EXTRACTION_CONNECT_TIMEOUT_S, EXTRACTION_MAX_RETRIES
    EXTRACTION_TIER, EXTRACTION_ASSISTANT_CHARS, EXTRACTION_CHUNKS_PER_CALL,
    EXTRACTION_PROMPT_CACHING, EXTRACTION_BATCH        the cost levers
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from chunking.tiers import ChunkTier
from extraction.errors import SettingsError
from extraction.levers import Levers
from extraction.models import (
    DEFAULT_MODEL,
    MODELS,
    ModelPrices,
    ModelSpec,
    Provider,
    bedrock_geography,
    get_model,
    provider_model_id,
    provider_prices,
)

__all__ = ["ExtractionSettings", "load_settings", "mask_secret"]

_PREFIX = "EXTRACTION_"


def mask_secret(secret: SecretStr | str | None) -> str:
    """A secret as shown to people: ``…abcd`` (its last four characters) at most.

    >>> mask_secret("sk-ant-0123456789")
    '…6789'
    """
    if secret is None:
        return "(not set)"
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    return f"…{value[-4:]}" if len(value) >= 12 else "…"


class ExtractionSettings(BaseSettings):
    """Validated settings; secrets are ``SecretStr`` and never shown in full."""

    model_config = SettingsConfigDict(
        env_prefix=_PREFIX, frozen=True, extra="ignore", populate_by_name=True
    )

    provider: Literal["anthropic", "bedrock", "offline"] = "anthropic"
    model: str = DEFAULT_MODEL
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("anthropic_api_key", "ANTHROPIC_API_KEY")
    )
    aws_region: str | None = Field(
        default=None, validation_alias=AliasChoices("aws_region", "AWS_REGION")
    )
    aws_access_key_id: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("aws_access_key_id", "AWS_ACCESS_KEY_ID")
    )
    aws_secret_access_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"),
    )
    aws_session_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("aws_session_token", "AWS_SESSION_TOKEN")
    )
    bedrock_region_prefix: str | None = None
    concurrency: int = Field(default=3, ge=1, le=32)
    timeout_s: float = Field(default=60.0, gt=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    tier: ChunkTier = ChunkTier.MEDIUM
    assistant_chars: int = Field(default=280, ge=-1)
    chunks_per_call: int = Field(default=8, ge=1, le=64)
    prompt_caching: bool = True
    batch: bool = False

    def model_spec(self) -> ModelSpec:
        """The registry entry of :attr:`model`."""
        return get_model(self.model)

    def bedrock_profile(self) -> str | None:
        """The Bedrock inference-profile prefix: the one set, else ``AWS_REGION``'s geography.

        ``None`` off Bedrock, or on Bedrock without a region (a settings error
        :meth:`require_credentials` reports).
        """
        if self.provider != "bedrock":
            return None
        if self.bedrock_region_prefix:
            return self.bedrock_region_prefix.strip().lower()
        if not self.aws_region:
            return None
        return bedrock_geography(self.aws_region, self.model_spec())

    def model_id(self) -> str:
        """The id requests send (on Bedrock, an inference profile's).

        Raises:
            ValueError: a profile prefix the model does not have.
        """
        provider: Provider = "bedrock" if self.provider == "bedrock" else "anthropic"
        return provider_model_id(self.model_spec(), provider, region_prefix=self.bedrock_profile())

    def prices(self) -> ModelPrices:
        """What calls cost with these settings (a Bedrock regional profile costs more)."""
        provider: Provider = "bedrock" if self.provider == "bedrock" else "anthropic"
        return provider_prices(self.model_spec(), provider, region_prefix=self.bedrock_profile())

    def levers(self) -> Levers:
        """The cost levers these settings select (``assistant_chars=-1``: no trimming)."""
        return Levers(
            tiers=(self.tier,),
            assistant_chars=None if self.assistant_chars < 0 else self.assistant_chars,
            chunks_per_call=self.chunks_per_call,
            prompt_caching=self.prompt_caching,
            batch=self.batch,
        )

    def require_credentials(self) -> None:
        """Check that the provider has what it needs.

        Raises:
            SettingsError: naming the missing variable and how to fix it.
        """
        if self.provider == "anthropic" and self.anthropic_api_key is None:
            raise SettingsError(
                "ANTHROPIC_API_KEY is not set; the 'anthropic' provider needs it. Set it, or "
                "set EXTRACTION_PROVIDER=bedrock (with AWS_REGION) or EXTRACTION_PROVIDER=offline "
                "for the rule-based stand-in"
            )
        if self.provider == "bedrock":
            if not self.aws_region:
                raise SettingsError(
                    "AWS_REGION is not set; the 'bedrock' provider needs the region of the "
                    "Bedrock endpoint, e.g. AWS_REGION=us-east-1"
                )
            if (self.aws_access_key_id is None) != (self.aws_secret_access_key is None):
                missing = (
                    "AWS_SECRET_ACCESS_KEY"
                    if self.aws_secret_access_key is None
                    else "AWS_ACCESS_KEY_ID"
                )
                raise SettingsError(
                    f"{missing} is not set; explicit AWS credentials need both "
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or neither, to use the "
                    "AWS default credential chain)"
                )
        if self.batch and self.provider != "anthropic":
            raise SettingsError(
                f"EXTRACTION_BATCH=true needs EXTRACTION_PROVIDER=anthropic (got "
                f"{self.provider!r}): the Message Batches API is only used on the direct API"
            )

    def describe(self) -> dict[str, Any]:
        """The settings as a dict safe to log: secrets masked."""
        shown: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            shown[name] = mask_secret(value) if isinstance(value, SecretStr) else value
        return shown


def load_settings(**overrides: Any) -> ExtractionSettings:
    """Read the settings now: explicit ``overrides`` beat the environment beat defaults.

    Raises:
        SettingsError: a variable that does not validate, naming it (never its value),
            or a logical model name that is not in the registry.
    """
    try:
        settings = ExtractionSettings(**overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"{_variable(issue['loc'])}: {issue['msg']}" for issue in error.errors()
        )
        raise SettingsError(f"invalid extraction settings: {problems}") from None
    if settings.model not in MODELS:
        raise SettingsError(
            f"EXTRACTION_MODEL={settings.model!r} is not a known model; valid: "
            f"{', '.join(sorted(MODELS))}"
        )
    if settings.provider == "anthropic" and settings.bedrock_region_prefix:
        raise SettingsError(
            "EXTRACTION_BEDROCK_REGION_PREFIX is set but EXTRACTION_PROVIDER is 'anthropic': "
            "the prefix selects a Bedrock inference profile; unset it or use bedrock"
        )
    if settings.provider == "bedrock" and settings.bedrock_profile() is not None:
        try:  # the one check of a prefix, the one that builds the id
            settings.model_id()
        except ValueError as error:
            raise SettingsError(f"EXTRACTION_BEDROCK_REGION_PREFIX: {error}") from None
    return settings


def _variable(loc: tuple[int | str, ...]) -> str:
    name = str(loc[0]) if loc else "?"
    field = ExtractionSettings.model_fields.get(name)
    if field is not None and isinstance(field.validation_alias, AliasChoices):
        return str(field.validation_alias.choices[-1])
    if name.isupper():
        return name
    return f"{_PREFIX}{name.upper()}"
