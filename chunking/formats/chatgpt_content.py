"""The text of a ChatGPT message's ``content``, by ``content_type``.

Every content type becomes plain text. Media and content types this module
does not know become a short placeholder such as ``[image]`` or
``[unknown content: foo]``, which the caller counts; nothing raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chunking.formats.values import text

__all__ = ["THINKING_TYPES", "Rendered", "render_content"]

THINKING_TYPES = frozenset({"thoughts", "reasoning_recap"})
"""Content types that hold the model's reasoning rather than its answer."""

Rendered = tuple[str, list[str]]
"""A content's text and the content types it replaced by placeholders."""

_MEDIA = {
    "image_asset_pointer": "[image]",
    "audio_asset_pointer": "[audio]",
    "real_time_user_audio_video_asset_pointer": "[audio/video]",
    "video_container_asset_pointer": "[video]",
}


def render_content(content: dict[str, Any]) -> Rendered:
    """The text of one ``content`` object and the placeholders used in it."""
    content_type = content.get("content_type")
    handler = _HANDLERS.get(content_type) if isinstance(content_type, str) else None
    if handler is None:
        name = content_type if isinstance(content_type, str) else "missing"
        return f"[unknown content: {name}]", [name]
    return handler(content)


def _parts(content: dict[str, Any]) -> Rendered:
    parts = content.get("parts")
    if not isinstance(parts, list):
        return text(content.get("text")), []
    texts: list[str] = []
    placeholders: list[str] = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict):
            part_text, part_placeholders = _part(part)
            texts.append(part_text)
            placeholders.extend(part_placeholders)
    return "\n".join(piece for piece in texts if piece), placeholders


def _part(part: dict[str, Any]) -> Rendered:
    part_type = part.get("content_type")
    if part_type == "audio_transcription":
        return text(part.get("text")), []
    if isinstance(part_type, str) and part_type in _MEDIA:
        return _MEDIA[part_type], [part_type]
    name = part_type if isinstance(part_type, str) else "missing"
    return f"[{name}]", [name]


def _code(content: dict[str, Any]) -> Rendered:
    language = text(content.get("language"))
    language = "" if language == "unknown" else language
    body = text(content.get("text"))
    return (f"```{language}\n{body}\n```" if body else ""), []


def _plain_text(content: dict[str, Any]) -> Rendered:
    return text(content.get("text")), []


def _browsing_display(content: dict[str, Any]) -> Rendered:
    return text(content.get("result")) or text(content.get("summary")), []


def _quote(content: dict[str, Any]) -> Rendered:
    head = " - ".join(
        piece for piece in (text(content.get("title")), text(content.get("url"))) if piece
    )
    body = text(content.get("text"))
    return "\n".join(piece for piece in (f"[quote] {head}" if head else "", body) if piece), []


def _system_error(content: dict[str, Any]) -> Rendered:
    body = text(content.get("text"))
    return (f"[error] {body}" if body else "[error]"), []


def _thoughts(content: dict[str, Any]) -> Rendered:
    thoughts = content.get("thoughts")
    if not isinstance(thoughts, list):
        return "", []
    pieces: list[str] = []
    for thought in thoughts:
        if isinstance(thought, dict):
            pieces.extend(
                p for p in (text(thought.get("summary")), text(thought.get("content"))) if p
            )
    return "\n".join(pieces), []


def _recap(content: dict[str, Any]) -> Rendered:
    return text(content.get("content")), []


def _user_context(content: dict[str, Any]) -> Rendered:
    pieces = (text(content.get("user_profile")), text(content.get("user_instructions")))
    return "\n\n".join(piece for piece in pieces if piece), []


_HANDLERS: dict[str, Callable[[dict[str, Any]], Rendered]] = {
    "text": _parts,
    "multimodal_text": _parts,
    "code": _code,
    "execution_output": _plain_text,
    "tether_browsing_display": _browsing_display,
    "tether_quote": _quote,
    "system_error": _system_error,
    "thoughts": _thoughts,
    "reasoning_recap": _recap,
    "user_editable_context": _user_context,
}
