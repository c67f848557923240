"""What load_export takes: text streams, bare message lists, and the size it reads towards."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest

from chunking.formats import ExportReport, export_size, load_export

SAMPLE = Path(__file__).resolve().parents[3] / "fixtures" / "sample_export.json"
MESSAGES = [
    {"role": "user", "content": "I moved to Porto last spring."},
    {"role": "assistant", "content": "How do you like it?"},
]


def test_a_text_stream_reads_as_its_utf8_bytes() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    from_text = list(load_export(io.StringIO(text)))
    from_bytes = list(load_export(io.BytesIO(text.encode("utf-8"))))
    assert from_text == from_bytes
    assert len(from_text) == 3


def test_a_file_opened_as_text_reads_too() -> None:
    with SAMPLE.open(encoding="utf-8") as text:
        assert list(load_export(text)) == list(load_export(SAMPLE))


@pytest.mark.parametrize("value", [b"[]", 42, ["not", "a file"]])
def test_other_values_are_refused_at_once_with_what_to_pass(value: object) -> None:
    with pytest.raises(TypeError, match="expected the path of an export or a file object"):
        load_export(value)  # type: ignore[arg-type]


def test_bytes_are_told_to_be_wrapped() -> None:
    with pytest.raises(TypeError, match=r"io\.BytesIO"):
        load_export(b"[]")  # type: ignore[arg-type]


def test_a_bare_message_list_is_one_conversation(tmp_path: Path) -> None:
    export = tmp_path / "chat.json"
    export.write_text(json.dumps(MESSAGES), encoding="utf-8")
    (conversation,) = load_export(export)
    assert [m.content for m in conversation.messages] == [m["content"] for m in MESSAGES]
    assert [m.role.value for m in conversation.messages] == ["user", "assistant"]
    assert conversation.id.startswith("messages-")


def test_its_id_survives_a_rename_and_appended_messages(tmp_path: Path) -> None:
    first, later = tmp_path / "a.json", tmp_path / "renamed.jsonl"
    first.write_text(json.dumps(MESSAGES), encoding="utf-8")
    more = [*MESSAGES, {"role": "user", "content": "Pretty well."}]
    later.write_text("\n".join(json.dumps(m) for m in more), encoding="utf-8")  # JSON Lines
    (before,), (after,) = list(load_export(first)), list(load_export(later))
    assert before.id == after.id
    assert len(after.messages) == 3
    other = tmp_path / "other.json"
    other.write_text(json.dumps([{"role": "user", "content": "Something else."}]))
    assert next(iter(load_export(other))).id != before.id


def test_a_bare_message_list_with_a_bad_message_is_reported(tmp_path: Path) -> None:
    export = tmp_path / "chat.json"
    export.write_text(json.dumps([*MESSAGES, {"role": "wizard", "content": "?"}]))
    report = ExportReport()
    assert list(load_export(export, report=report)) == []
    assert report.skipped.total() == 1


def _gzip(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data))
    return path


def test_export_size_is_what_the_reader_reads(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    folder = tmp_path / "unpacked"
    (folder / "part").mkdir(parents=True)
    (folder / "conversations.json").write_bytes(data)
    _gzip(folder / "part" / "conversations-001.json.gz", b"[]")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("conversations.json", data)
        out.writestr("user.json", b"{}" * 1000)  # not read, not counted
    sources = {
        "file": (SAMPLE, len(data)),
        "gzip": (_gzip(tmp_path / "c.json.gz", data), len(data)),
        "zip": (archive, len(data)),
        "folder": (folder, len(data) + 2),
    }
    for name, (source, size) in sources.items():
        report = ExportReport()
        list(load_export(source, report=report))
        assert export_size(source) == size == report.bytes_read, name


def test_export_size_of_a_stream_is_unknown() -> None:
    assert export_size(io.BytesIO(b"[]")) is None
