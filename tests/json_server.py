"""A JSON-over-HTTP fake server on 127.0.0.1, for tests that point a real client at it.

Also what a fake Claude needs: the Messages API's answer to a facts request
(:func:`facts_message`), and an environment free of real provider settings
(:func:`without_provider_env`), so a child process can only reach the fake.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Answer", "facts_message", "serve_json", "without_provider_env"]

Answer = Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]]]
"""``(path, JSON body) -> (status, JSON answer)``; called on the server's threads."""


@contextmanager
def serve_json(answer: Answer) -> Iterator[str]:
    """Answer every POST with ``answer``, on a free port; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            status, reply = answer(self.path, json.loads(self.rfile.read(length) or b"{}"))
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def facts_message(
    facts: list[dict[str, Any]], *, model: str = "fake", input_tokens: int, output_tokens: int
) -> dict[str, Any]:
    """A Messages API answer whose text is the JSON ``{"facts": facts}``."""
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": json.dumps({"facts": facts})}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def without_provider_env() -> dict[str, str]:
    """This process's environment without ``ANTHROPIC*``, ``AWS_*`` or ``EXTRACTION_*``."""
    provider = ("ANTHROPIC", "AWS_", "EXTRACTION_")
    return {k: v for k, v in os.environ.items() if not k.startswith(provider)}
