"""A temporary PostgreSQL server for tests, benchmarks and CI.

:class:`TemporaryPostgres` runs ``initdb`` and ``pg_ctl`` from the local
PostgreSQL installation (found at run time: ``pg_config --bindir``, else the
newest ``/usr/lib/postgresql/*/bin``) on 127.0.0.1, a free port, with its data
directory under a new temporary directory, and removes it all on ``stop()``.
As root, the server runs as the ``postgres`` user (PostgreSQL refuses root).

Command line (used by ``.ci/run``)::

    python -m chunking.store.tempdb start STATE_FILE   # prints the URL
    python -m chunking.store.tempdb stop STATE_FILE
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

from chunking.errors import StoreError

__all__ = ["TemporaryPostgres", "find_bindir", "main"]

_SERVER_USER = "postgres"


def find_bindir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``.

    Raises:
        StoreError: no PostgreSQL server installation was found.
    """
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        )
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    by_version = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += [Path(path) for path in by_version]
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise StoreError(
        "no PostgreSQL server found (looked for initdb and pg_ctl via pg_config --bindir and "
        "in /usr/lib/postgresql/*/bin); install the postgresql package or set TEST_DATABASE_URL"
    )


class TemporaryPostgres:
    """A PostgreSQL server that lives as long as this object (or the ``with`` block).

    Attributes:
        url: ``postgresql://postgres@127.0.0.1:PORT/postgres`` once started.
    """

    def __init__(self, *, bindir: Path | None = None, root: Path | None = None) -> None:
        self.bindir = bindir
        self.root = root
        self.url: str | None = None

    @property
    def datadir(self) -> Path:
        if self.root is None:
            raise StoreError("the temporary PostgreSQL server has not been started")
        return self.root / "data"

    def start(self) -> str:
        """Create the cluster and start the server; return its URL.

        Raises:
            StoreError: initdb or pg_ctl failed (their output is in the message).
        """
        self.bindir = self.bindir or find_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="chunking-pg-"))
        os.chmod(self.root, 0o755)
        port = _free_port()
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-locale", "--no-sync")  # fmt: skip
        options = f"-p {port} -h 127.0.0.1 -k {self.datadir} -F -c max_connections=50"
        log_file = str(self.datadir / "server.log")
        self._run("pg_ctl", "-D", str(self.datadir), "-o", options, "-l", log_file, "-w", "start")
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        return self.url

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its files; safe to call twice."""
        if self.root is None:
            return
        if (self.datadir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None
        self.url = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, program: str, *args: str) -> None:
        if self.bindir is None or self.root is None:
            raise StoreError("the temporary PostgreSQL server has not been started")
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            shutil.chown(self.root, user=_SERVER_USER)
            command = ["runuser", "-u", _SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=self.root)
        if done.returncode != 0:
            raise StoreError(
                f"{program} failed with status {done.returncode}: "
                f"{done.stderr.strip() or done.stdout.strip()}"
            )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def main(argv: list[str] | None = None) -> int:
    """``start STATE_FILE`` (prints the URL) or ``stop STATE_FILE``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("start", "stop"):
        sys.stderr.write("usage: python -m chunking.store.tempdb start|stop STATE_FILE\n")
        return 2
    command, state = args[0], Path(args[1])
    if command == "start":
        server = TemporaryPostgres()
        url = server.start()
        state.write_text(json.dumps({"bindir": str(server.bindir), "root": str(server.root)}))
        sys.stdout.write(url + "\n")
        return 0
    if state.exists():
        saved = json.loads(state.read_text())
        TemporaryPostgres(bindir=Path(saved["bindir"]), root=Path(saved["root"])).stop()
        state.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
