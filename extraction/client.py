"""The one place that imports ``anthropic``: the client factory and the raw calls.

:func:`make_client` builds an ``AsyncAnthropic`` (direct API) or an
``AsyncAnthropicBedrock`` from the settings, with the SDK's retries (429,
5xx, 529, timeouts and connection errors) and timeouts configured. An
``http_client`` (an ``httpx2.AsyncClient``) may be injected, e.g. one over
``httpx2.MockTransport`` in tests. The SDK is imported when a client is made,
never at import of this module.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from extraction.errors import LLMAccessError, LLMCallError
from extraction.llm import LLMRequest, Usage
from extraction.settings import ExtractionSettings, mask_secret

if TYPE_CHECKING:
    import httpx2

__all__ = [
    "BEDROCK_ANTHROPIC_VERSION",
    "ClaudeClient",
    "RawCompletion",
    "call_error",
    "completion_from",
    "make_client",
    "message_params",
    "usage_from",
]

log = logging.getLogger(__name__)

BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31"
"""The ``anthropic_version`` Bedrock documents for the Messages body. The SDK would
otherwise fill in its own API version date, which Bedrock may reject."""

_MODEL_REFUSED = re.compile(
    r"model identifier is invalid|model id|on-demand throughput|inference profile"
    r"|model: |unknown model|credit balance",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class RawCompletion:
    """The text of a completion, its usage and why it stopped."""

    text: str
    usage: Usage
    stop_reason: str | None


class ClaudeClient:
    """A configured SDK client and the model id it sends.

    Args:
        sdk: an ``AsyncAnthropic`` or ``AsyncAnthropicBedrock``.
        model_id: the provider's model id.
        provider: ``"anthropic"`` or ``"bedrock"``.

    Timeouts (read and connect, per attempt) are the SDK client's, set by
    :func:`make_client`; no call overrides them.
    """

    __slots__ = ("model_id", "provider", "request_params", "sdk", "structured")

    def __init__(
        self,
        sdk: Any,
        *,
        model_id: str,
        provider: str,
        structured: bool = True,
        request_params: Mapping[str, Any] | None = None,
    ) -> None:
        self.sdk = sdk
        self.model_id = model_id
        self.provider = provider
        self.structured = structured
        self.request_params = dict(request_params or {})

    def params(self, request: LLMRequest) -> dict[str, Any]:
        """The Messages API parameters this client sends for ``request``."""
        return message_params(
            request,
            self.model_id,
            provider=self.provider,
            structured=self.structured,
            extra=self.request_params,
        )

    def __repr__(self) -> str:
        return f"ClaudeClient(provider={self.provider!r}, model_id={self.model_id!r})"

    async def create(self, request: LLMRequest) -> RawCompletion:
        """Send one Messages API call (the SDK retries what is retryable).

        Raises:
            LLMAccessError: the provider refuses the credentials, the permission
                or the model (no retry can help); the SDK's error is the ``__cause__``.
            LLMCallError: the SDK gave up, or the response is malformed.
        """
        import anthropic

        params = self.params(request)
        try:
            message = await self.sdk.messages.create(**params)
        except anthropic.APIError as error:
            raise call_error(error) from error
        except ValueError as error:  # a body that is not JSON
            raise LLMCallError(f"malformed response body: {type(error).__name__}") from error
        return completion_from(message)

    async def submit_batch(self, requests: Sequence[tuple[str, LLMRequest]]) -> str:
        """Create a Message Batch of ``(custom_id, request)``; returns the batch id."""
        import anthropic

        if self.provider != "anthropic":
            raise LLMCallError("the Message Batches API is only used on the direct API")
        try:
            batch = await self.sdk.messages.batches.create(
                requests=[
                    {
                        "custom_id": custom_id,
                        "params": self.params(request),
                    }
                    for custom_id, request in requests
                ]
            )
        except anthropic.APIError as error:
            raise call_error(error) from error
        return str(batch.id)

    async def batch_ended(self, batch_id: str) -> bool:
        """Whether the batch's processing has ended.

        Raises:
            LLMCallError: the SDK gave up; its error is the ``__cause__``.
        """
        import anthropic

        try:
            batch = await self.sdk.messages.batches.retrieve(batch_id)
        except anthropic.APIError as error:
            raise LLMCallError(_describe(error)) from error
        return bool(batch.processing_status == "ended")

    async def cancel_batch(self, batch_id: str) -> None:
        """Ask the API to stop the batch (requests already done are still billed).

        Raises:
            LLMCallError: the SDK gave up; its error is the ``__cause__``.
        """
        import anthropic

        try:
            await self.sdk.messages.batches.cancel(batch_id)
        except anthropic.APIError as error:
            raise LLMCallError(_describe(error)) from error

    async def batch_results(self, batch_id: str) -> dict[str, RawCompletion | str]:
        """Each request's completion, or the reason it did not succeed, by custom id.

        Raises:
            LLMCallError: the SDK gave up; its error is the ``__cause__``.
        """
        import anthropic

        results: dict[str, RawCompletion | str] = {}
        try:
            async for item in await self.sdk.messages.batches.results(batch_id):
                result = item.result
                if result.type == "succeeded":
                    try:
                        results[item.custom_id] = completion_from(result.message)
                    except LLMCallError as error:
                        results[item.custom_id] = str(error)
                else:
                    results[item.custom_id] = f"batch request {result.type}"
        except anthropic.AnthropicError as error:  # also an ended batch without results
            raise LLMCallError(_describe(error)) from error
        return results

    async def close(self) -> None:
        """Close the SDK client and its connections."""
        await self.sdk.close()


def message_params(
    request: LLMRequest,
    model_id: str,
    *,
    provider: str,
    structured: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The Messages API parameters of ``request`` on ``provider``.

    The system prompt is marked for caching when asked; an output schema is
    sent as structured output (``output_config.format``) when ``structured``;
    ``extra`` (the model's own parameters) is added; on Bedrock the body
    carries :data:`BEDROCK_ANTHROPIC_VERSION`.
    """
    system: dict[str, Any] = {"type": "text", "text": request.system}
    if request.cache_system:
        system["cache_control"] = {"type": "ephemeral"}
    params: dict[str, Any] = {
        "model": model_id,
        "max_tokens": request.max_tokens,
        "system": [system],
        "messages": [{"role": m.role, "content": m.text} for m in request.messages],
    }
    params.update(extra or {})
    if structured and request.output_schema is not None:
        params["output_config"] = {
            "format": {"type": "json_schema", "schema": dict(request.output_schema)}
        }
    if provider == "bedrock":
        params["extra_body"] = {"anthropic_version": BEDROCK_ANTHROPIC_VERSION}
    return params


def completion_from(message: Any) -> RawCompletion:
    """Text, usage and stop reason of an SDK ``Message``.

    Raises:
        LLMCallError: the message lacks its content list or its usage, or a
            usage figure is not a non-negative whole number (a malformed body).
    """
    content = getattr(message, "content", None)
    usage = getattr(message, "usage", None)
    if not isinstance(content, list) or usage is None:
        raise LLMCallError("malformed response body: no content list or no usage")
    text = "".join(
        str(getattr(block, "text", "")) for block in content if getattr(block, "type", "") == "text"
    )
    stop_reason = getattr(message, "stop_reason", None)
    return RawCompletion(
        text=text,
        usage=usage_from(usage),
        stop_reason=stop_reason if isinstance(stop_reason, str) else None,
    )


def usage_from(usage: Any) -> Usage:
    """Our :class:`Usage` from the SDK's ``usage`` (missing cache fields count 0).

    Raises:
        LLMCallError: a figure that is not a non-negative whole number.
    """
    return Usage(
        input_tokens=_count(usage, "input_tokens"),
        output_tokens=_count(usage, "output_tokens"),
        cache_write_tokens=_count(usage, "cache_creation_input_tokens"),
        cache_read_tokens=_count(usage, "cache_read_input_tokens"),
    )


def _count(usage: Any, name: str) -> int:
    value = getattr(usage, name, None)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LLMCallError(
            f"malformed response body: usage.{name} is {type(value).__name__} "
            f"{str(value)[:20]!r}, not a token count"
        )
    return value


def call_error(error: Exception) -> LLMCallError:
    """The error to raise for an SDK error: :class:`LLMAccessError` when no retry can help.

    401 (credentials), 403 (permission) and 404 (a model the provider does not
    serve) refuse every call alike, as does a 400 that names the model
    (Bedrock's answer to an id it cannot serve on demand) or the account's
    credit; anything else is the failure of this call only.
    """
    import anthropic

    description = _describe(error)
    refused = isinstance(
        error,
        anthropic.AuthenticationError | anthropic.PermissionDeniedError | anthropic.NotFoundError,
    )
    if isinstance(error, anthropic.BadRequestError) and _MODEL_REFUSED.search(str(error)):
        refused = True
    if refused:
        return LLMAccessError(f"the provider refuses every call: {description}")
    return LLMCallError(description)


def make_client(
    settings: ExtractionSettings, *, http_client: httpx2.AsyncClient | None = None
) -> ClaudeClient:
    """The SDK client the settings ask for.

    Args:
        settings: provider, model, credentials, timeouts and retries.
        http_client: an ``httpx2.AsyncClient`` to send requests through.

    Raises:
        SettingsError: the provider's credentials are missing.
    """
    import anthropic

    settings.require_credentials()
    spec = settings.model_spec()
    timeout = anthropic.Timeout(settings.timeout_s, connect=settings.connect_timeout_s)
    common: dict[str, Any] = {
        "timeout": timeout,
        "max_retries": settings.max_retries,
        "http_client": http_client,
    }
    sdk: Any
    if settings.provider == "bedrock":
        sdk = anthropic.AsyncAnthropicBedrock(
            aws_region=settings.aws_region, **_aws(settings), **common
        )
        model_id = settings.model_id()
        log.info("Bedrock client: region %s, model %s", settings.aws_region, model_id)
    elif settings.provider == "anthropic" and settings.anthropic_api_key is not None:
        key = settings.anthropic_api_key
        sdk = anthropic.AsyncAnthropic(api_key=key.get_secret_value(), **common)
        model_id = settings.model_id()
        log.info("Anthropic client: key %s, model %s", mask_secret(key), model_id)
    else:
        raise LLMCallError(f"provider {settings.provider!r} has no SDK client")
    return ClaudeClient(
        sdk,
        model_id=model_id,
        provider=settings.provider,
        structured=settings.provider in spec.structured_outputs,
        request_params=spec.request_params,
    )


def _aws(settings: ExtractionSettings) -> dict[str, Any]:
    explicit = {
        "aws_access_key": settings.aws_access_key_id,
        "aws_secret_key": settings.aws_secret_access_key,
        "aws_session_token": settings.aws_session_token,
    }
    return {name: value.get_secret_value() for name, value in explicit.items() if value}


def _describe(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    kind = type(error).__name__
    detail = str(error).replace("\n", " ")[:200]
    where = f" (HTTP {status})" if status is not None else ""
    return f"{kind}{where}: {detail}"
