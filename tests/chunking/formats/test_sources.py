"""Export containers: zip at any depth, split files, gzip, folders and file objects."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest

from chunking.errors import MalformedExportError
from chunking.formats import ExportReport, load_export


def _ids(source: object, **kwargs: object) -> list[str]:
    return [c.id for c in load_export(source, **kwargs)]  # type: ignore[arg-type]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_zip_with_conversations_at_any_depth(data: Path, tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "export.zip",
        {
            "user.json": b'{"id": "someone"}',
            "a/b/c/conversations.json": (data / "chatgpt_wrapped.json").read_bytes(),
            "__MACOSX/a/b/c/._conversations.json": b"\x00\x05junk",
        },
    )
    report = ExportReport()
    assert _ids(archive, report=report) == ["w1", "w2"]
    assert report.files == 1


def test_split_files_in_number_order(data: Path, tmp_path: Path) -> None:
    split = data / "chatgpt_split"
    archive = _zip(
        tmp_path / "split.zip",
        {
            "export/conversations-001.json": (split / "conversations-001.json").read_bytes(),
            "export/conversations-000.json": (split / "conversations-000.json").read_bytes(),
        },
    )
    assert _ids(archive) == ["s1", "s2", "s3"]


def test_unpacked_folder(data: Path) -> None:
    assert _ids(data / "chatgpt_split") == ["s1", "s2", "s3"]


def test_gzip_is_recognised_by_its_bytes(data: Path, tmp_path: Path) -> None:
    for name in ("export.json.gz", "export.json"):
        path = tmp_path / name
        path.write_bytes(gzip.compress((data / "chatgpt_wrapped.json").read_bytes()))
        assert _ids(path) == ["w1", "w2"]


def test_gzipped_json_lines(data: Path, tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl.gz"
    path.write_bytes(gzip.compress((data / "plain.jsonl").read_bytes()))
    assert _ids(path) == ["p1", "p2"]


def test_file_objects(data: Path) -> None:
    raw = (data / "chatgpt_branches.json").read_bytes()
    assert _ids(io.BytesIO(raw)) == ["branches"]
    assert _ids(io.BytesIO(gzip.compress(raw))) == ["branches"]


class _OneWay(io.RawIOBase):
    """A stream that cannot seek, like a pipe or an upload."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), 7))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_unseekable_stream(data: Path) -> None:
    raw = (data / "chatgpt_wrapped.json").read_bytes()
    assert _ids(_OneWay(raw)) == ["w1", "w2"]
    assert _ids(_OneWay(gzip.compress(raw))) == ["w1", "w2"]


def test_utf8_bom(data: Path, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (data / "chatgpt_wrapped.json").read_bytes())
    assert _ids(path) == ["w1", "w2"]


def test_zip_without_conversations(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "photos.zip", {"photos/cat.jpg": b"\xff\xd8", "user.json": b"{}"})
    with pytest.raises(
        MalformedExportError, match=r"photos\.zip.*no conversations\.json"
    ) as caught:
        list(load_export(archive))
    assert "photos/cat.jpg" in str(caught.value)


def test_truncated_zip(data: Path, tmp_path: Path) -> None:
    archive = _zip(tmp_path / "export.zip", {"conversations.json": b"[]" * 5000})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(archive.read_bytes()[:40])
    with pytest.raises(MalformedExportError, match=r"cut\.zip"):
        list(load_export(cut))


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(MalformedExportError, match=r"no conversations\.json"):
        list(load_export(tmp_path))


def _overlapping_split(data: Path, tmp_path: Path, *, edit: bool) -> Path:
    """Split files where conversations-001.json repeats s1 of conversations-000.json."""
    split = data / "chatgpt_split"
    first = json.loads((split / "conversations-000.json").read_text())
    second = json.loads((split / "conversations-001.json").read_text())
    copy = json.loads(json.dumps(first[0]))
    if edit:
        copy["mapping"]["s1-u"]["message"]["content"]["parts"] = ["Edited later."]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations-000.json").write_text(json.dumps(first))
    (folder / "conversations-001.json").write_text(json.dumps([copy, *second]))
    return folder


def test_a_conversation_repeated_across_split_files_is_read_once(
    data: Path, tmp_path: Path
) -> None:
    report = ExportReport()
    ids = _ids(_overlapping_split(data, tmp_path, edit=False), report=report)
    assert ids == ["s1", "s2", "s3"]
    assert report.repeated == 1
    assert report.conversations == 3
    assert not report.skipped
    assert "1 repeated" in report.summary()


def test_a_conflicting_copy_is_skipped_and_reported_and_strict_raises(
    data: Path, tmp_path: Path
) -> None:
    folder = _overlapping_split(data, tmp_path, edit=True)
    report = ExportReport()
    conversations = list(load_export(folder, report=report))
    assert [c.id for c in conversations] == ["s1", "s2", "s3"]
    assert "Hello from s1." in conversations[0].messages[0].content  # the first copy stands
    assert report.skipped == {"duplicate id": 1}
    assert report.errors[0].conversation_id == "s1"
    with pytest.raises(MalformedExportError, match="already read with other content"):
        list(load_export(folder, strict=True))


def test_a_conflict_leaves_the_other_conversations_of_the_same_item() -> None:
    from chunking.formats.reader import Parsed
    from chunking.formats.registry import _Seen
    from chunking.formats.sources import Document
    from chunking.model import Conversation, Message

    def conv(ident: str, text: str) -> Conversation:
        return Conversation(
            id=ident, title="", messages=(Message(id="m", role="user", content=text),)
        )

    seen, report = _Seen(), ExportReport()
    document = Document(name="a.json", open=io.BytesIO)  # type: ignore[arg-type]
    assert seen.first_copies(Parsed((conv("a", "x"),)), document, report).conversations
    again = seen.first_copies(Parsed((conv("a", "y"), conv("b", "z"))), document, report)
    assert isinstance(again, Parsed)
    assert [c.id for c in again.conversations] == ["b"]
    assert report.skipped == {"duplicate id": 1}
    later = seen.first_copies(Parsed((conv("b", "z"),)), document, report)
    assert isinstance(later, Parsed)
    assert later.conversations == ()
    assert report.repeated == 1
