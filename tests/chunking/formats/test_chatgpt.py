"""The ChatGPT reader on the package's own fixtures, one variation per file."""

from __future__ import annotations

from pathlib import Path

from chunking.formats import ExportReport, ReadOptions, load_export
from chunking.model import Conversation, Role


def _read(path: Path, **kwargs: object) -> tuple[list[Conversation], ExportReport]:
    report = ExportReport()
    conversations = list(load_export(path, report=report, **kwargs))  # type: ignore[arg-type]
    return conversations, report


def test_active_branch_only(data: Path) -> None:
    [conversation], report = _read(data / "chatgpt_branches.json")
    assert [m.id for m in conversation.messages] == ["u1b", "a1b", "u2", "a2"]
    assert [m.content for m in conversation.messages][-1] == "Try A Brasileira."
    assert report.dropped == {"abandoned branch": 3, "empty system message": 1}


def test_abandoned_branches_on_request(data: Path) -> None:
    conversations, _ = _read(
        data / "chatgpt_branches.json", options=ReadOptions(abandoned_branches=True)
    )
    by_id = {c.id: [m.id for m in c.messages] for c in conversations}
    assert by_id == {
        "branches": ["u1b", "a1b", "u2", "a2"],
        "branches:branch:a1": ["u1", "a1"],
        "branches:branch:a2b": ["u1b", "a1b", "u2", "a2b"],
    }


def test_missing_current_node_falls_back_to_newest_leaf(data: Path) -> None:
    [conversation], _ = _read(data / "chatgpt_no_current_node.json")
    assert [m.id for m in conversation.messages] == ["u1b", "a1b", "u2", "a2b"]


def test_every_content_type(data: Path) -> None:
    [conversation], report = _read(data / "chatgpt_content_types.json")
    text = {m.id: m.content for m in conversation.messages}
    assert text["u-text"] == "Plain text."
    assert text["u-multi"] == "[image]\nWhat is in this photo?\nspoken words\n[audio]"
    assert "a-code-call" not in text  # a call addressed to the python tool
    assert text["a-code"] == "```python\nx = 2\n```"
    assert text["t-exec"] == "1"
    assert text["t-browse"] == "Search results here"
    assert text["t-quote"] == "[quote] Example - https://example.org\nQuoted passage."
    assert text["t-error"] == "[error] Timeout"
    assert text["a-thoughts"] == "Plan\nThink about it."
    assert text["a-recap"] == "Thought for 3 seconds"
    assert text["a-unknown"] == "[unknown content: fancy_widget]"
    assert text["a-final"] == "Done."
    labels = {m.id: m.label for m in conversation.messages}
    assert labels["a-thoughts"] == "Assistant (thinking)"
    assert labels["t-exec"] == "python"
    roles = {m.id: m.role for m in conversation.messages}
    assert roles["t-quote"] is Role.TOOL
    assert report.placeholders == {
        "image_asset_pointer": 1,
        "audio_asset_pointer": 1,
        "fancy_widget": 1,
    }
    assert report.dropped == {"tool call": 1}


def test_thinking_can_be_dropped(data: Path) -> None:
    [conversation], report = _read(
        data / "chatgpt_content_types.json", options=ReadOptions(thinking=False)
    )
    ids = [m.id for m in conversation.messages]
    assert "a-thoughts" not in ids
    assert "a-recap" not in ids
    assert report.dropped["thinking"] == 2


def test_hidden_messages_dropped_and_custom_instructions_kept(data: Path) -> None:
    [conversation], report = _read(data / "chatgpt_hidden.json")
    assert [m.id for m in conversation.messages] == ["ctx", "u1", "a1", "u2", "a-partial"]
    profile = conversation.messages[0]
    assert profile.role is Role.USER
    assert profile.label == "User profile"
    assert profile.content == "I am a vegetarian nurse.\n\nBe brief."
    assert conversation.messages[-1].content == "You are wel"  # in_progress kept as is
    assert report.dropped == {"empty system message": 1, "hidden": 1, "tool call": 1}


def test_keep_hidden(data: Path) -> None:
    [conversation], _ = _read(data / "chatgpt_hidden.json", options=ReadOptions(keep_hidden=True))
    ids = [m.id for m in conversation.messages]
    assert "hidden-sys" in ids
    assert "a-call" in ids
    assert "sys" not in ids  # empty: there is nothing to keep


def test_wrapped_top_level_object(data: Path) -> None:
    conversations, _ = _read(data / "chatgpt_wrapped.json")
    assert [c.id for c in conversations] == ["w1", "w2"]
    assert [m.content for m in conversations[0].messages] == ["Hello from w1.", "Hello."]


def test_conversation_fields(data: Path) -> None:
    [conversation], _ = _read(data / "chatgpt_branches.json")
    assert conversation.title == "Edits and regenerations"
    assert conversation.created_at is not None
    assert conversation.created_at.timestamp() == 1714000000.0
    assert conversation.messages[0].created_at is not None
