"""The files of an export: a single file, a zip (members at any depth) or a folder.

This is the I/O edge of the readers. A zip or folder contributes each member
named ``conversations.json`` or ``conversations-NNN.json`` (newer exports are
split; optionally ``.gz``), in folder then number order; other members
(``user.json``, images, ...) are ignored. Any file may be gzip-compressed; it
is recognised by its magic bytes, not its name.

Decompression is bounded (:class:`Decompression`): a zip member that says it
holds more than ``max_bytes``, or that would grow more than ``max_ratio``
times, is refused before it is read, and a gzip stream is counted as it is
read and stopped at the same limits. A zip this module cannot read (one
protected by a password, or compressed with a method Python's ``zipfile``
lacks, such as Deflate64) is a ``MalformedExportError`` that says what to do.
"""

from __future__ import annotations

import gzip
import io
import lzma
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

from chunking.errors import MalformedExportError

__all__ = [
    "Decompression",
    "Document",
    "Readable",
    "Replay",
    "Source",
    "documents",
    "export_size",
    "read_head",
]


class Readable(Protocol):
    """A binary stream, as far as the readers use one."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes; ``b""`` at the end."""
        ...


Source = str | os.PathLike[str] | IO[bytes] | IO[str]
"""A path to an export, or a file object holding one (binary, or text read as UTF-8)."""

_MEMBER = re.compile(r"(?:^|/)conversations(?:-(\d+))?\.json(?:\.gz)?$", re.IGNORECASE)
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_GZIP_MAGIC = b"\x1f\x8b"
# What zipfile and the decompressors raise on damaged bytes: a header of an unknown
# version is NotImplementedError, a mangled field a ValueError (or a struct.error).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    OSError,
    EOFError,
    NotImplementedError,
    ValueError,
    struct.error,
    lzma.LZMAError,
)


@dataclass(frozen=True, slots=True)
class Decompression:
    """How far a compressed file may grow.

    Attributes:
        max_bytes: the most bytes one decompressed file may hold.
        max_ratio: the most it may grow over its compressed size, once it
            holds more than ``ratio_after`` bytes (small files compress
            unevenly; a bomb grows a thousandfold).
        ratio_after: bytes read before the ratio is checked.
    """

    max_bytes: int = 16 * 2**30
    max_ratio: float = 100.0
    ratio_after: int = 64 * 2**20


_DEFAULT_DECOMPRESSION = Decompression()


@dataclass(frozen=True, slots=True)
class Document:
    """One JSON file of an export.

    Attributes:
        name: where it is, for messages (``"export.zip:dir/conversations.json"``).
        open: opens it as a decompressed binary stream.
    """

    name: str
    open: Callable[[], AbstractContextManager[Readable]]


def documents(
    source: Source, *, limits: Decompression = _DEFAULT_DECOMPRESSION
) -> Iterator[Document]:
    """Yield the JSON files of the export at ``source``.

    A zip stays open while its documents are being read.

    Raises:
        MalformedExportError: the path does not exist, a zip or folder has
            no conversations file, or a zip member cannot be read (a
            password, an unsupported method, over the decompression limits:
            raised when that member is opened).
    """
    if not isinstance(source, str | os.PathLike):
        yield from _stream_documents(_binary(source), limits)
        return
    path = Path(source)
    if path.is_dir():
        yield from _folder_documents(path, limits)
    elif not path.is_file():
        raise MalformedExportError(
            "no such file or folder; expected the path of an export",
            path=str(path),
            kind="not found",
        )
    elif _magic(path) in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
        with _zip(path, str(path)) as archive:
            yield from _zip_documents(archive, str(path), limits)
    else:
        yield Document(str(path), partial(_open_path, path, limits))


def export_size(source: Source) -> int | None:
    """The bytes of JSON the export at ``source`` holds, when known without reading it.

    The total that :attr:`ExportReport.bytes_read` counts towards: a file's
    size, a gzip file's own record of its decompressed size (modulo 4 GiB, as
    gzip stores it), the sum over the conversations files of a folder or zip.
    ``None`` for a file object, or a path that is not an export.
    """
    if not isinstance(source, str | os.PathLike):
        return None
    path = Path(source)
    try:
        if path.is_dir():
            return sum(
                _file_size(member)
                for member in path.rglob("*")
                if member.is_file() and _MEMBER.search(member.relative_to(path).as_posix())
            )
        if _magic(path) in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
            with zipfile.ZipFile(path) as archive:
                return sum(info.file_size for info in archive.infolist() if _is_member(info))
        return _file_size(path)
    except _ZIP_ERRORS:
        return None


def _file_size(path: Path) -> int:
    """``path``'s size, decompressed when it is gzip (from the gzip trailer)."""
    with path.open("rb") as file:
        if file.read(2) != _GZIP_MAGIC:
            return path.stat().st_size
        file.seek(-4, os.SEEK_END)
        return int(struct.unpack("<I", file.read(4))[0])


def _binary(stream: IO[bytes] | IO[str]) -> IO[bytes]:
    """A binary view of a file object: a text stream is read as UTF-8 bytes."""
    if not callable(getattr(stream, "read", None)):
        raise TypeError(
            f"expected the path of an export or a file object, got {type(stream).__name__}"
            + (": wrap bytes in io.BytesIO" if isinstance(stream, bytes | bytearray) else "")
        )
    if isinstance(stream, io.TextIOBase) or isinstance(stream.read(0), str):
        return _Utf8(stream)  # type: ignore[arg-type,return-value]
    return stream  # type: ignore[return-value]


class _Utf8(io.RawIOBase):
    """A text stream read as UTF-8 bytes (not seekable; the readers read forward only)."""

    def __init__(self, text: IO[str]) -> None:
        super().__init__()
        self._text = text
        self._pending = b""
        self.name = str(getattr(text, "name", "<text stream>"))

    def readable(self) -> bool:
        """Always: it is read forward."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` with the next UTF-8 bytes of the text."""
        size = len(buffer)
        while len(self._pending) < size:
            text = self._text.read(max(size, 1 << 16))
            if not text:
                break
            self._pending += text.encode("utf-8", "surrogatepass")
        data, self._pending = self._pending[:size], self._pending[size:]
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Leave the caller's text stream open: the caller closes it."""
        super().close()


def _stream_documents(stream: IO[bytes], limits: Decompression) -> Iterator[Document]:
    name = str(getattr(stream, "name", "<stream>"))
    seekable = bool(getattr(stream, "seekable", lambda: False)())
    start = stream.tell() if seekable else 0
    head = read_head(stream, 4)
    if seekable:
        stream.seek(start)
    if head in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
        if not seekable:
            raise MalformedExportError(
                "a zip export must be given as a path or a seekable file",
                path=name,
                kind="not json",
            )
        with _zip(stream, name) as archive:
            yield from _zip_documents(archive, name, limits)
        return
    if seekable:
        yield Document(name, lambda: _decoded(_Borrowed(b"", stream), name, limits))
    else:
        yield Document(name, lambda: _decoded(_Borrowed(head, stream), name, limits))


def _folder_documents(folder: Path, limits: Decompression) -> Iterator[Document]:
    found = sorted(
        (
            path
            for path in folder.rglob("*")
            if path.is_file() and _MEMBER.search(path.relative_to(folder).as_posix())
        ),
        key=lambda path: _order(path.relative_to(folder).as_posix()),
    )
    if not found:
        raise MalformedExportError(
            "the folder has no conversations.json (or conversations-NNN.json) at any depth; "
            "expected an unpacked ChatGPT or Claude export",
            path=str(folder),
            kind="not an export",
        )
    for path in found:
        yield Document(str(path), partial(_open_path, path, limits))


def _zip_documents(
    archive: zipfile.ZipFile, name: str, limits: Decompression
) -> Iterator[Document]:
    members = sorted((info.filename for info in archive.infolist() if _is_member(info)), key=_order)
    if not members:
        listed = ", ".join(info.filename for info in archive.infolist()[:5]) or "nothing"
        raise MalformedExportError(
            f"the zip has no conversations.json (or conversations-NNN.json); it holds {listed}. "
            "Expected a ChatGPT or Claude export zip",
            path=name,
            kind="not an export",
        )
    for member in members:
        where = f"{name}:{member}"
        yield Document(where, partial(_open_member, archive, member, where, limits))


def _is_member(info: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(info.filename).parts
    return (
        not info.is_dir()
        and "__MACOSX" not in parts
        and not parts[-1].startswith("._")
        and _MEMBER.search(info.filename) is not None
    )


def _order(member: str) -> tuple[str, int, str]:
    match = _MEMBER.search(member)
    number = int(match.group(1)) if match and match.group(1) else -1
    return (str(PurePosixPath(member).parent), number, member)


@contextmanager
def _zip(file: Path | IO[bytes], name: str) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(file)
    except _ZIP_ERRORS as error:
        raise MalformedExportError(
            f"not a readable zip ({error}); the archive may be truncated: download it again",
            path=name,
            kind="not json",
        ) from error
    with archive:
        yield archive


def _open_path(path: Path, limits: Decompression) -> AbstractContextManager[Readable]:
    return _decoded(path.open("rb"), str(path), limits)


@contextmanager
def _open_member(
    archive: zipfile.ZipFile, member: str, where: str, limits: Decompression
) -> Iterator[Readable]:
    info = archive.getinfo(member)
    _check_growth(info.file_size, info.compress_size, where, limits)
    try:
        raw = archive.open(member)
    except RuntimeError as error:  # zipfile's way of saying "encrypted"
        raise MalformedExportError(
            f"the zip member is protected by a password ({error}); export the data again, "
            "or unzip it and pass the conversations file",
            path=where,
            kind="not readable",
        ) from error
    except NotImplementedError as error:
        raise MalformedExportError(
            f"the zip member uses a compression method Python cannot read ({error}); "
            "unzip it with another tool and pass the folder, or re-zip it with Deflate",
            path=where,
            kind="not readable",
        ) from error
    except _ZIP_ERRORS as error:
        raise MalformedExportError(
            f"the zip member cannot be read ({error}); the archive may be damaged: "
            "download it again",
            path=where,
            kind="not json",
        ) from error
    with _decoded(raw, where, limits) as stream:
        yield stream


def _check_growth(size: int, compressed: int, where: str, limits: Decompression) -> None:
    """Refuse a file of ``size`` bytes from ``compressed`` bytes beyond the limits."""
    ratio = size / max(compressed, 1)
    if size > limits.max_bytes or (size > limits.ratio_after and ratio > limits.max_ratio):
        raise MalformedExportError(
            f"decompressing would give {size:,} bytes from {compressed:,} (a ratio of "
            f"{ratio:,.0f}:1); the limits are {limits.max_bytes:,} bytes and a ratio of "
            f"{limits.max_ratio:,.0f}:1 (Decompression). A chat export does not grow like "
            "that: the file may be a decompression bomb",
            path=where,
            kind="too large",
        )


@contextmanager
def _decoded(raw: Readable, where: str, limits: Decompression) -> Iterator[Readable]:
    """``raw``, gunzipped (within ``limits``) when it starts with the gzip magic; closed after."""
    with ExitStack() as stack:
        stack.callback(Replay(b"", raw).close)
        try:
            head = read_head(raw, 2)
        except _ZIP_ERRORS as error:
            raise MalformedExportError(
                f"the file cannot be read ({error}); it may be damaged: download it again",
                path=where,
                kind="not json",
            ) from error
        replay = Replay(head, raw)
        if head == _GZIP_MAGIC:
            counted = _Counted(replay)
            unzipped = stack.enter_context(gzip.GzipFile(fileobj=counted, mode="rb"))
            yield _Bounded(unzipped, counted, where, limits)
        else:
            yield replay


def read_head(stream: Readable, size: int) -> bytes:
    """The first ``size`` bytes of ``stream`` (fewer only at its end), despite short reads."""
    head = b""
    while len(head) < size:
        chunk = stream.read(size - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _magic(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(4)


class Replay:
    """Reads ``head`` first, then the rest of ``stream`` (whose first bytes were consumed)."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (all that is left when ``size`` is negative)."""
        if size < 0:
            data, self._head = self._head + self._stream.read(-1), b""
            return data
        if not self._head:
            return self._stream.read(size)
        data, self._head = self._head[:size], self._head[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data

    def seek(self, offset: int, whence: int = 0, /) -> int:
        """Not supported: the readers read forward only."""
        raise io.UnsupportedOperation("seek")

    def close(self) -> None:
        """Close the underlying stream."""
        close = getattr(self._stream, "close", None)
        if callable(close):
            close()


class _Borrowed(Replay):
    """A caller's stream: read it, but leave closing it to the caller."""

    def close(self) -> None:
        """The caller opened the stream; the caller closes it."""


class _Counted(Replay):
    """Counts the bytes read through it."""

    def __init__(self, stream: Readable) -> None:
        super().__init__(b"", stream)
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes, counted."""
        data = super().read(size)
        self.count += len(data)
        return data


class _Bounded:
    """A decompressing stream stopped at the limits of :class:`Decompression`."""

    def __init__(
        self, stream: Readable, compressed: _Counted, where: str, limits: Decompression
    ) -> None:
        self._stream = stream
        self._compressed = compressed
        self._where = where
        self._limits = limits
        self._count = 0

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` decompressed bytes; raises past the limits."""
        data = self._stream.read(size)
        self._count += len(data)
        _check_growth(self._count, self._compressed.count, self._where, self._limits)
        return data
