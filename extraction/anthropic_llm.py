"""The real model behind the :class:`~extraction.llm.LLM` protocol."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from extraction.batches import BatchJournal, request_digest
from extraction.client import ClaudeClient
from extraction.errors import LLMCallError
from extraction.llm import LLMRequest, LLMResponse

__all__ = ["AnthropicLLM"]

log = logging.getLogger(__name__)


class AnthropicLLM:
    """Claude through the Anthropic API or AWS Bedrock.

    Timeouts and retries (429, 5xx, 529, timeouts) are the SDK's, configured by
    :func:`extraction.client.make_client`; usage comes from the response.

    Args:
        client: the configured client.
        model: the logical model name (for reports and the result cache).
    """

    estimates = False

    def __init__(self, client: ClaudeClient, *, model: str) -> None:
        self._client = client
        self._model = model

    @property
    def model(self) -> str:
        """The logical model name."""
        return self._model

    @property
    def description(self) -> str:
        """Which provider and model id answer."""
        return f"{self._client.provider}:{self._client.model_id}"

    async def complete(self, request: LLMRequest) -> LLMResponse:
        """One Messages API call.

        Raises:
            LLMAccessError: the provider refuses credentials, permission or model.
            LLMCallError: the SDK gave up after its retries (its error is the cause),
                or the response is malformed.
        """
        raw = await self._client.create(request)
        return LLMResponse(text=raw.text, usage=raw.usage, stop_reason=raw.stop_reason)

    async def complete_batch(
        self,
        requests: Sequence[LLMRequest],
        *,
        journal: BatchJournal | None = None,
        poll_s: float = 30.0,
        max_wait_s: float = 86_400,
    ) -> list[LLMResponse | LLMCallError]:
        """Send ``requests`` as one Message Batch (half price) and wait for the results.

        Each request's ``custom_id`` is its :func:`~extraction.batches.request_digest`
        (identical requests are sent once). With a ``journal``, the requests an
        earlier run sent are collected from its batches instead of sent again,
        and the new batch is recorded before the wait. The caller forgets the
        requests once it has stored their results.

        Returns:
            One entry per request, in order: its response, or the error that
            kept it from succeeding.

        Raises:
            LLMCallError: a batch could not be created, polled or read (it stays
                in the journal, to be collected by the next run), or did not end
                within ``max_wait_s`` (it is then cancelled, so that it stops
                running and billing, and forgotten).
        """
        digests = [request_digest(request, self.model) for request in requests]
        answers: dict[str, LLMResponse | LLMCallError] = {}
        earlier = journal.pending_batches(digests) if journal is not None else {}
        for batch_id in dict.fromkeys(earlier.values()):
            log.info("message batch %s: collecting it (sent by an earlier run)", batch_id)
            collected = await self._collect_earlier(batch_id, journal, poll_s, max_wait_s)
            answers.update((d, a) for d, a in collected.items() if earlier.get(d) == batch_id)
            if journal is not None:  # its other requests are stored already, or no longer asked
                journal.forget_requests([d for d in collected if d not in earlier])
        unsent = {d: r for d, r in zip(digests, requests, strict=True) if d not in answers}
        if unsent:
            batch_id = await self._client.submit_batch(list(unsent.items()))
            if journal is not None:
                journal.record_batch(batch_id, list(unsent))
            log.info("message batch %s: %d requests submitted", batch_id, len(unsent))
            answers.update(await self._collect(batch_id, journal, poll_s, max_wait_s))
        missing = LLMCallError("missing from the batch results")
        return [answers.get(digest, missing) for digest in digests]

    async def _collect(
        self, batch_id: str, journal: BatchJournal | None, poll_s: float, max_wait_s: float
    ) -> dict[str, LLMResponse | LLMCallError]:
        """Wait for ``batch_id`` to end; each request's answer by ``custom_id``."""
        waited = 0.0
        while not await self._client.batch_ended(batch_id):
            if waited >= max_wait_s:
                await self._cancel(batch_id)
                if journal is not None:
                    journal.forget_batch(batch_id)
                raise LLMCallError(f"message batch {batch_id} did not end within {max_wait_s}s")
            await asyncio.sleep(poll_s)
            waited += poll_s
        return {
            custom_id: LLMCallError(result)
            if isinstance(result, str)
            else LLMResponse(text=result.text, usage=result.usage, stop_reason=result.stop_reason)
            for custom_id, result in (await self._client.batch_results(batch_id)).items()
        }

    async def _collect_earlier(
        self, batch_id: str, journal: BatchJournal | None, poll_s: float, max_wait_s: float
    ) -> dict[str, LLMResponse | LLMCallError]:
        """:meth:`_collect`, but a batch the API can no longer give is forgotten (sent anew)."""
        import anthropic

        try:
            return await self._collect(batch_id, journal, poll_s, max_wait_s)
        except LLMCallError as error:
            cause = error.__cause__
            gone = isinstance(cause, anthropic.NotFoundError) or (
                isinstance(cause, anthropic.AnthropicError)
                and not isinstance(cause, anthropic.APIError)
            )
            if not gone:
                raise
            log.warning("message batch %s cannot be read (%s); sending again", batch_id, error)
            if journal is not None:
                journal.forget_batch(batch_id)
            return {}

    async def _cancel(self, batch_id: str) -> None:
        try:
            await self._client.cancel_batch(batch_id)
        except LLMCallError as error:  # the timeout is the error to report; this one is logged
            log.warning("message batch %s could not be cancelled: %s", batch_id, error)
        else:
            log.info("message batch %s cancelled after the wait ran out", batch_id)
