"""A JSON-over-HTTP fake server on 127.0.0.1, for tests that point a real client at it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Answer", "serve_json"]

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
