"""The real model behind the :class:`~extraction.llm.LLM` protocol."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence

from extraction.batches import BatchJournal
from extraction.client import ClaudeClient, message_params
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
            LLMCallError: the SDK gave up after its retries (its error is the cause).
        """
        raw = await self._client.create(request)
        if raw.stop_reason == "max_tokens":
            log.warning("output cut at max_tokens=%d; it may not parse", request.max_tokens)
        return LLMResponse(text=raw.text, usage=raw.usage)

    async def complete_batch(
        self,
        requests: Sequence[LLMRequest],
        *,
        journal: BatchJournal | None = None,
        poll_s: float = 30.0,
        max_wait_s: float = 86_400,
    ) -> list[LLMResponse | LLMCallError]:
        """Send ``requests`` as one Message Batch (half price) and wait for the results.

        With a ``journal``, the batch id is recorded under a digest of the
        requests before the wait, and a batch already recorded for the same
        requests (a run cut short) is collected instead of sent again.

        Returns:
            One entry per request, in order: its response, or the error that
            kept it from succeeding.

        Raises:
            LLMCallError: the batch could not be created, polled or read (it
                stays in the journal, to be collected by the next run), or did
                not end within ``max_wait_s`` (it is then cancelled, so that it
                stops running and billing).
        """
        digest = self._digest(requests)
        batch_id = await self._batch_for(requests, digest, journal)
        waited = 0.0
        while not await self._client.batch_ended(batch_id):
            if waited >= max_wait_s:
                await self._cancel(batch_id)
                if journal is not None:
                    journal.forget_batch(digest)
                raise LLMCallError(f"message batch {batch_id} did not end within {max_wait_s}s")
            await asyncio.sleep(poll_s)
            waited += poll_s
        results = await self._client.batch_results(batch_id)
        if journal is not None:
            journal.forget_batch(digest)
        answers: list[LLMResponse | LLMCallError] = []
        for index in range(len(requests)):
            result = results.get(f"r{index}", "missing from the batch results")
            if isinstance(result, str):
                answers.append(LLMCallError(result))
            else:
                answers.append(LLMResponse(text=result.text, usage=result.usage))
        return answers

    async def _batch_for(
        self, requests: Sequence[LLMRequest], digest: str, journal: BatchJournal | None
    ) -> str:
        """The journal's batch for ``digest`` if the API still has it, else a new one."""
        import anthropic

        pending = journal.pending_batch(digest) if journal is not None else None
        if pending is not None:
            try:
                await self._client.batch_ended(pending)
            except LLMCallError as error:
                if not isinstance(error.__cause__, anthropic.NotFoundError):
                    raise
                log.warning("message batch %s is unknown to the API; sending again", pending)
            else:
                log.info("message batch %s: collecting it (sent by an earlier run)", pending)
                return pending
        batch_id = await self._client.submit_batch(
            [(f"r{index}", request) for index, request in enumerate(requests)]
        )
        if journal is not None:
            journal.record_batch(digest, batch_id)
        log.info("message batch %s: %d requests submitted", batch_id, len(requests))
        return batch_id

    def _digest(self, requests: Sequence[LLMRequest]) -> str:
        """What the batch's requests are: their API parameters, in order."""
        digest = hashlib.sha256()
        for request in requests:
            params = message_params(request, self._client.model_id)
            digest.update(json.dumps(params, sort_keys=True).encode())
            digest.update(b"\x1e")
        return digest.hexdigest()

    async def _cancel(self, batch_id: str) -> None:
        try:
            await self._client.cancel_batch(batch_id)
        except LLMCallError as error:  # the timeout is the error to report; this one is logged
            log.warning("message batch %s could not be cancelled: %s", batch_id, error)
        else:
            log.info("message batch %s cancelled after the wait ran out", batch_id)
