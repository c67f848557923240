"""The service's knobs, validated once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.errors import SettingsError

__all__ = ["USER_ID", "ServiceConfig", "check_user_id"]

USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
"""A user id: 1-128 characters, letters, digits and ``. _ @ + -``, not starting with a sign."""


def check_user_id(user_id: str) -> str:
    """``user_id`` if it is one; else :class:`SettingsError` saying what a user id is.

    >>> check_user_id("ana@x.com")
    'ana@x.com'
    """
    if not USER_ID.fullmatch(user_id):
        raise SettingsError(
            f"invalid user id {user_id[:40]!r}: use 1-128 letters, digits and . _ @ + -, "
            "starting with a letter or digit"
        )
    return user_id


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    """How the service runs.

    Attributes:
        database_url: the PostgreSQL database of the chunks, the cache, the
            queue, the uploads and the profiles.
        llm_cap: the most LLM calls in flight across every process that uses
            this database (held in PostgreSQL, not per process).
        jobs_per_worker: imports one worker process runs at once.
        max_pending_per_user: a user's imports not yet ended; one more is a 429.
        max_upload_bytes: the largest export accepted (a larger body is a 413).
        attempts: runs of an import before it is failed for good; a run ends
            early, and is retried with exponential backoff, when some chunks
            failed extraction or the worker crashed.
        retry_base_s: the backoff's base: run ``n + 1`` waits ``base ** n`` seconds
            (4, 16, 64 by default; 0 retries at once).
        heartbeat_s: how often a worker says it is alive.
        stalled_after_s: a worker silent this long is dead, and its imports are
            run again by another worker.
        grace_s: on SIGTERM, how long a running import may go on; then it is
            stopped between two conversations and queued again (below the
            platform's own kill delay: Render's is 30 s).
        abandoned_upload_s: an upload that has received nothing for this long
            (its server died) is deleted, so it stops counting as pending.
    """

    database_url: str
    llm_cap: int = 4
    jobs_per_worker: int = 1
    max_pending_per_user: int = 2
    max_upload_bytes: int = 1 << 30
    attempts: int = 4
    retry_base_s: int = 4
    heartbeat_s: float = 5.0
    stalled_after_s: float = 30.0
    grace_s: float = 20.0
    abandoned_upload_s: float = 600.0

    def __post_init__(self) -> None:
        if not self.database_url.startswith(("postgresql://", "postgres://")):
            raise SettingsError(
                "the service needs a PostgreSQL database (postgresql://user@host:port/db): "
                "its queue, uploads and LLM cap are shared by every instance"
            )
        for name in ("llm_cap", "jobs_per_worker", "max_pending_per_user", "attempts"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_upload_bytes < 1:
            raise SettingsError(f"max_upload_bytes must be >= 1, got {self.max_upload_bytes}")
        if not 0 < self.heartbeat_s < self.stalled_after_s:
            raise SettingsError(
                "heartbeat_s must be positive and below stalled_after_s, got "
                f"{self.heartbeat_s} and {self.stalled_after_s}"
            )
        if self.abandoned_upload_s <= 0:
            raise SettingsError(f"abandoned_upload_s must be > 0, got {self.abandoned_upload_s}")
        if self.grace_s < 0:
            raise SettingsError(f"grace_s must be >= 0, got {self.grace_s}")
        if self.retry_base_s < 0:
            raise SettingsError(f"retry_base_s must be >= 0, got {self.retry_base_s}")
