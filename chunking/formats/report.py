"""What an import read, skipped and dropped: filled in by :func:`load_export`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from chunking.errors import MalformedExportError
from chunking.formats.reader import Parsed

__all__ = ["ExportReport"]

_KEPT_ERRORS = 20


@dataclass(slots=True)
class ExportReport:
    """Counts of one import; pass one to :func:`load_export` and read it afterwards.

    Mutable on purpose: the reader fills it in while the caller consumes
    conversations, so it is complete once the iterator is exhausted.

    Attributes:
        files: JSON files read (members of a zip or folder count one each).
        conversations: conversations yielded.
        skipped: malformed conversations left out, by ``error.kind``.
        messages: messages kept in the yielded conversations.
        dropped: messages left out of kept conversations, by reason.
        placeholders: content shown as a placeholder (e.g. ``[image]``), by type.
        errors: the first few skip errors, with file, conversation and node.
        repeated: later copies of a conversation already yielded (same id, same
            messages), left out.
        truncated: messages cut to ``ReadOptions.max_message_chars``.
        repaired: repairs of the bytes before parsing, by kind: invalid UTF-8
            and lone surrogate escapes read as U+FFFD, integers over 64 bits
            read as floats, numbers out of range as null, raw control
            characters in strings escaped (:mod:`chunking.formats.guard`).
        bytes_read: bytes of JSON read so far (after decompression), for
            progress against :func:`~chunking.formats.export_size`.
    """

    files: int = 0
    conversations: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    placeholders: Counter[str] = field(default_factory=Counter)
    errors: list[MalformedExportError] = field(default_factory=list)
    repeated: int = 0
    truncated: int = 0
    repaired: Counter[str] = field(default_factory=Counter)
    bytes_read: int = 0

    def add(self, parsed: Parsed) -> None:
        """Count a conversation read successfully."""
        self.conversations += len(parsed.conversations)
        self.messages += sum(len(c.messages) for c in parsed.conversations)
        self.dropped.update(parsed.dropped)
        self.placeholders.update(parsed.placeholders)

    def skip(self, error: MalformedExportError) -> None:
        """Count a malformed conversation that was left out."""
        self.skipped[error.kind] += 1
        if len(self.errors) < _KEPT_ERRORS:
            self.errors.append(error)

    def summary(self) -> str:
        """One line: conversations read and skipped, messages kept and dropped, with reasons.

        Example:
            ``"3 conversations read, 1 skipped (missing mapping: 1); 9 messages kept,
            5 dropped (hidden: 1, abandoned branch: 4); 1 placeholder (image: 1)"``
        """
        line = (
            f"{self.conversations} conversations read, {self.skipped.total()} skipped"
            f"{_reasons(self.skipped)}; {self.messages} messages kept, "
            f"{self.dropped.total()} dropped{_reasons(self.dropped)}"
        )
        if self.placeholders:
            count = self.placeholders.total()
            line += f"; {count} placeholder{'s' if count != 1 else ''}{_reasons(self.placeholders)}"
        if self.repeated:
            line += f"; {self.repeated} repeated (same id and messages, read once)"
        if self.truncated:
            line += f"; {self.truncated} cut to the message size limit"
        if self.repaired:
            line += f"; {self.repaired.total()} repaired{_reasons(self.repaired)}"
        return line


def _reasons(counts: Counter[str]) -> str:
    if not counts:
        return ""
    return " (" + ", ".join(f"{reason}: {n}" for reason, n in counts.most_common()) + ")"
