"""The bytes under the JSON parser, checked and repaired on their way to it.

The C parser under ``ijson`` rejects some valid JSON, and some hostile JSON
costs it memory out of all proportion to its size. :class:`JsonGuard` wraps
the byte stream and, piece by piece, before the parser sees a byte:

- replaces invalid UTF-8 with U+FFFD (one bad byte would otherwise end the
  file, and with it every conversation after it);
- replaces a lone surrogate escape (``"\\udc00"``, which Python's ``json``
  and JavaScript accept) with ``\\ufffd``, as docs/exports.md lists;
- writes an integer beyond 64 bits as a float (``1e30`` instead of an
  overflow error), and a number beyond the float range as ``null``;
- escapes a raw control character inside a string (``\\u0000``) rather than
  rejecting the file;
- cuts a string longer than ``max_string_bytes`` there, ending it with
  ``[cut: the string is longer than N bytes]`` (the parser holds a string
  several times over while it builds it; docs/exports.md has the figures);
- refuses nesting deeper than ``max_depth`` levels, the parser's memory being
  quadratic in depth (an export nests about ten levels).

Each repair is counted in :attr:`JsonGuard.repairs`. The scan keeps only its
state between pieces (inside a string or not, a pending escape, the depth),
and runs at the speed of a few regular expressions over each piece.
"""

from __future__ import annotations

import re
from collections import Counter

from chunking.errors import MalformedExportError
from chunking.formats.sources import Readable

__all__ = ["DEFAULT_MAX_DEPTH", "DEFAULT_MAX_STRING_BYTES", "MIN_MAX_STRING_BYTES", "JsonGuard"]

DEFAULT_MAX_DEPTH = 64
"""Nesting levels allowed; a ChatGPT or Claude export nests about ten."""

DEFAULT_MAX_STRING_BYTES = 6 * 2**20
"""Bytes of one JSON string passed to the parser: 500,000 characters take at most 6 MB."""

_PIECE = 1 << 18  # what the parser reads at a time (stream._BUFFER)
MIN_MAX_STRING_BYTES = 2 * _PIECE
"""The smallest string limit: twice a piece, so a string cut is always one that spans pieces."""
# A string from its opening quote (or the rest of one, from a continuation) to its close.
# A string, or one that runs to the end of the piece: one match either way, never a rescan.
_STRING_OR_OPEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_BACKSLASH_RUN = re.compile(rb'\\++"?')  # always matches a whole run: linear
_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte but the four
_SURROGATE_HINT = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATES = re.compile(
    rb"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    rb"|(\\u[dD][89a-fA-F][0-9a-fA-F]{2})"
)
_HIGH = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")
_BEFORE_NUMBER = (b"[", b",", b":", b" ", b"\t", b"\n", b"\r")
# Outside strings, digits become 0, exponent marks e, signs +, the rest a space: then a long
# integer is a run of nineteen 0s and a large exponent an e before three.
_NUMBER_SHAPES = bytes(
    0x30 if 0x30 <= b <= 0x39 else 0x65 if b in b"eE" else 0x2B if b in b"+-" else 0x20
    for b in range(256)
)
_TOKEN = re.compile(
    rb'(?P<string>"(?:[^"\\]++|\\.)*+"?)'
    rb"|(?P<number>-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)",
    re.DOTALL,
)
_CONTROLS = bytes(range(32))
_NOT_CONTROL = bytes(range(256)).translate(None, _CONTROLS)
_INT64 = range(-(2**63), 2**63)
_BLOCK = 256  # brackets checked together: depth can rise at most this much inside one


class JsonGuard:
    """A readable stream of repaired JSON bytes; raises on nesting too deep.

    Args:
        stream: the raw (decompressed) bytes.
        name: the file, for error messages.
        max_depth: nesting levels allowed.
        max_string_bytes: bytes of one string passed on (at least
            :data:`MIN_MAX_STRING_BYTES`).

    Raises (from :meth:`read`):
        MalformedExportError: nesting deeper than ``max_depth`` (kind ``"too deep"``).
    """

    def __init__(
        self,
        stream: Readable,
        *,
        name: str,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_string_bytes: int = DEFAULT_MAX_STRING_BYTES,
    ) -> None:
        self._stream = stream
        self._name = name
        self._max_depth = max_depth
        self._max_string = max(max_string_bytes, MIN_MAX_STRING_BYTES)
        self._carry = b""
        self._depth = 0
        self._in_string = False
        self._escaped = False  # the next byte is escaped (a backslash ended the last piece)
        self._string_bytes = 0  # of the string open at the end of the last piece
        self._dropping = False  # that string is past the limit: its bytes are not passed on
        self._offset = 0
        self.repairs: Counter[str] = Counter()
        """Repairs made so far, by kind (``"invalid UTF-8"``, ``"lone surrogate"``...)."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to about ``size`` repaired bytes (a little more or less); ``b""`` at the end."""
        if size == 0:  # the parser asks for nothing to learn the stream's type
            return b""
        want = min(size, _PIECE) if size > 0 else _PIECE
        while True:
            data = self._stream.read(want)
            chunk = self._carry + data
            if not data:  # the end: nothing more to wait for
                self._carry = b""
                return self._checked(chunk) if chunk else b""
            cut = _safe_cut(chunk)
            piece, self._carry = chunk[:cut], chunk[cut:]
            if piece:
                checked = self._checked(piece)
                if checked:  # empty only when a cut string's bytes were all dropped
                    return checked

    def _checked(self, piece: bytes) -> bytes:
        piece = self._utf8(piece)
        if _SURROGATE_HINT.search(piece):
            piece = self._surrogates(piece)
        piece, start, end, outside = self._scan(piece)
        # A control byte not outside the strings is inside one; numbers too big for the parser.
        in_strings = len(piece.translate(None, _NOT_CONTROL)) > len(
            outside.translate(None, _NOT_CONTROL)
        )
        if in_strings or _numbers_to_check(outside):
            piece = self._rewrite(piece, start, end)
        self._offset += len(piece)
        return piece

    def _utf8(self, piece: bytes) -> bytes:
        if piece.isascii():  # no allocation: most pieces of most exports
            return piece
        try:
            piece.decode("utf-8")
        except UnicodeDecodeError:
            fixed = piece.decode("utf-8", "replace")
            self.repairs["invalid UTF-8"] += fixed.count("\ufffd") - piece.count("\ufffd".encode())
            return fixed.encode("utf-8")
        return piece

    def _surrogates(self, piece: bytes) -> bytes:
        def lone(match: re.Match[bytes]) -> bytes:
            if match.group(1) is None:
                return match.group(0)
            self.repairs["lone surrogate"] += 1
            return b"\\ufffd"

        skip = 1 if self._escaped else 0  # that byte is escaped by the last piece
        return piece[:skip] + _SURROGATES.sub(lone, piece[skip:])

    def _scan(self, piece: bytes) -> tuple[bytes, int, int, bytes]:
        """Track strings and depth over ``piece``, and cut a string past the limit.

        Returns the piece (shorter if a string was cut); ``start``, where it
        leaves the string it began in (0 if it began outside one,
        ``len(piece)`` if it never leaves it); ``end``, where a string opens
        that the piece does not close (else ``len(piece)``); and the piece's
        text outside strings from ``start`` on. Every regular expression
        here consumes a string in one match, so the scan is linear.
        """
        start = 0
        if self._in_string:
            skip = 1 if self._escaped else 0
            rest = _STRING_REST.match(piece, skip)
            inside = len(piece) if rest is None else rest.end() - 1
            if rest is None:  # the string runs on: the escape state of the bytes as they came
                self._escaped = _ends_escaped(piece, skip)
            piece, inside = self._limited(piece, skip, inside)
            if rest is None:
                return piece, len(piece), len(piece), b""
            start = inside + 1
            self._in_string = self._escaped = self._dropping = False
            self._string_bytes = 0
        quotes = piece.count(b'"', start) - _escaped_quotes(piece, start)
        outside = _STRING_OR_OPEN.sub(b"", piece[start:])
        end = len(piece)
        if quotes % 2 == 1:  # a string opens and runs past the piece
            end = _last_unescaped_quote(piece, start)
            self._in_string = True
            self._escaped = _ends_escaped(piece, end + 1)
            self._string_bytes = len(piece) - end - 1
        self._check_depth(outside.translate(None, _BRACKETS))
        return piece, start, end, outside

    def _limited(self, piece: bytes, begin: int, inside: int) -> tuple[bytes, int]:
        """``piece`` whose string bytes ``[begin, inside)`` continue an open string, cut to the
        limit; and where those bytes end now."""
        if self._dropping:  # past the limit already: none of its bytes go on
            return piece[inside:], 0
        room = self._max_string - self._string_bytes
        self._string_bytes += inside - begin
        if inside - begin <= room:
            return piece, inside
        keep = max(begin, _safe_cut(piece[: begin + room]))  # not inside a character or escape
        kept = piece[:begin] + piece[begin:keep].rstrip(b"\\")  # no escape left dangling
        kept += b" [cut: the string is longer than %d bytes]" % self._max_string
        self._dropping = True
        self.repairs["string over the size limit"] += 1
        return kept + piece[inside:], len(kept)

    def _check_depth(self, brackets: bytes) -> None:
        depth = self._depth
        for at in range(0, len(brackets), _BLOCK):
            block = brackets[at : at + _BLOCK]
            opens = block.count(b"[") + block.count(b"{")
            if depth + opens > self._max_depth:  # maybe too deep: follow it bracket by bracket
                for byte in block:
                    depth += 1 if byte in b"[{" else -1
                    if depth > self._max_depth:
                        raise MalformedExportError(
                            f"JSON nested deeper than {self._max_depth} levels (near byte "
                            f"{self._offset:,}); a chat export nests about ten. The file is not "
                            "an export or is damaged",
                            path=self._name,
                            kind="too deep",
                        )
            else:
                depth += 2 * opens - len(block)
        self._depth = max(depth, 0)

    def _rewrite(self, piece: bytes, start: int, end: int) -> bytes:
        """Numbers the parser cannot hold, and raw control characters in strings, repaired."""
        head = _escape_controls(piece[:start], self.repairs)
        tail = _escape_controls(piece[end:], self.repairs)

        def token(match: re.Match[bytes]) -> bytes:
            if match.group("string") is not None:
                return _escape_controls(match.group(0), self.repairs)
            return _number(match.group(0), self.repairs)

        return head + _TOKEN.sub(token, piece[start:end]) + tail


def _numbers_to_check(outside: bytes) -> bool:
    """Whether ``outside`` may hold a number the parser cannot read (a fast over-estimate)."""
    shapes = outside.translate(_NUMBER_SHAPES)
    return b"0" * 19 in shapes or b"e000" in shapes or b"e+000" in shapes


def _escape_controls(text: bytes, repairs: Counter[str]) -> bytes:
    controls = text.translate(None, _NOT_CONTROL)
    if not controls:
        return text
    repairs["control character"] += len(controls)
    for byte in set(controls):
        text = text.replace(bytes([byte]), b"\\u%04x" % byte)
    return text


def _number(token: bytes, repairs: Counter[str]) -> bytes:
    """``token`` as the parser can read it: an int beyond 64 bits as a float, else ``null``."""
    integer = not any(mark in token for mark in b".eE")
    if integer and int(token) in _INT64:
        return token
    try:
        value = float(token)
    except OverflowError:
        value = float("inf")
    if value in (float("inf"), float("-inf")):
        repairs["number out of range"] += 1
        return b"null"
    if not integer:
        return token
    repairs["integer over 64 bits"] += 1
    return repr(value).encode()


def _escaped_quotes(piece: bytes, start: int) -> int:
    """How many quotes of ``piece[start:]`` are escaped (an odd run of backslashes before)."""
    if b'\\\\"' not in piece:  # every backslash before a quote is a run of one
        return piece.count(b'\\"', start)
    runs = _BACKSLASH_RUN.findall(piece, start)
    return sum(run.endswith(b'"') and len(run) % 2 == 0 for run in runs)


def _ends_escaped(piece: bytes, start: int) -> bool:
    """Whether the byte after ``piece`` is escaped: ``piece[start:]`` ends in odd backslashes."""
    segment = piece[start:]
    return (len(segment) - len(segment.rstrip(b"\\"))) % 2 == 1


def _last_unescaped_quote(piece: bytes, start: int) -> int:
    """The opening quote of the string ``piece`` leaves open: its last unescaped quote.

    The open string holds no unescaped quote, and its opening quote stands
    outside any string, where JSON has no backslash.
    """
    position = len(piece)
    while True:
        position = piece.rindex(b'"', start, position)
        run = 0
        while position - run - 1 >= start and piece[position - run - 1] == 0x5C:
            run += 1
        if run % 2 == 0:
            return position


def _safe_cut(chunk: bytes) -> int:
    """Where to end a piece so that no character, escape or number is split."""
    cut = len(chunk)
    # An incomplete UTF-8 character: its lead byte is among the last four bytes.
    for back in range(1, min(4, len(chunk)) + 1):
        byte = chunk[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: look further back
            continue
        need = 4 if byte >= 0xF0 else 3 if byte >= 0xE0 else 2 if byte >= 0xC0 else 1
        if back < need:
            cut = len(chunk) - back
        break
    # An escape: begin the next piece at the first backslash among the last twelve bytes,
    # or at the high surrogate just before it, so that a surrogate pair stays whole.
    tail = chunk[max(0, cut - 12) : cut]
    slash = tail.find(b"\\")
    if slash >= 0:
        position = cut - len(tail) + slash
        while position >= 6 and _HIGH.fullmatch(chunk, position - 6, position):
            position -= 6
        run_start = len(chunk[:position].rstrip(b"\\"))
        if position - run_start <= 64:
            cut = run_start
    # A number: keep its digits together (what follows a separator; not a string's text).
    head = chunk[:cut]
    digits = len(head) - len(head.rstrip(b"0123456789+-.eE"))
    if 0 < digits <= 400 and (digits == len(head) or head[-digits - 1 : -digits] in _BEFORE_NUMBER):
        cut -= digits
    return cut
