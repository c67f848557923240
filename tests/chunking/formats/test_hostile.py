"""Named regressions: each hostile or unusual export found by fuzzing, and what it now gives."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chunking.cli import main as chunking_main
from chunking.errors import InvalidChunkError, InvalidMessageError, MalformedExportError
from chunking.formats import ExportReport, ReadOptions, load_export
from chunking.formats.chatgpt import read_conversation as read_chatgpt
from chunking.formats.sources import Decompression
from chunking.model import Conversation
from chunking.store import open_store

ROOT = Path(__file__).resolve().parents[3]


def plain(conversations: int = 2) -> bytes:
    return json.dumps(
        [
            {"id": f"c{i}", "title": "t", "messages": [{"role": "user", "content": f"hello {i}"}]}
            for i in range(conversations)
        ]
    ).encode()


def zipped(tmp_path: Path, data: bytes, method: int = zipfile.ZIP_DEFLATED) -> Path:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("conversations.json", data)
    return path


def patch_headers(path: Path, *, flags: int | None = None, method: int | None = None) -> None:
    """Set the flag bits or the compression method in both headers of the only member."""
    raw = bytearray(path.read_bytes())
    local, central = raw.index(b"PK\x03\x04"), raw.index(b"PK\x01\x02")
    if flags is not None:
        raw[local + 6 : local + 8] = flags.to_bytes(2, "little")
        raw[central + 8 : central + 10] = flags.to_bytes(2, "little")
    if method is not None:
        raw[local + 8 : local + 10] = method.to_bytes(2, "little")
        raw[central + 10 : central + 12] = method.to_bytes(2, "little")
    path.write_bytes(bytes(raw))


def read(source: Any, **options: Any) -> tuple[list[Conversation], ExportReport]:
    report = ExportReport()
    return list(load_export(source, report=report, options=ReadOptions(**options))), report


def test_a_password_protected_zip_says_so(tmp_path: Path) -> None:
    path = zipped(tmp_path, plain())
    patch_headers(path, flags=0x1)
    with pytest.raises(MalformedExportError, match="password") as caught:
        read(path)
    assert caught.value.path is not None
    assert caught.value.path.endswith("export.zip:conversations.json")


def test_an_unsupported_compression_method_says_what_to_do(tmp_path: Path) -> None:
    path = zipped(tmp_path, plain())
    patch_headers(path, method=9)  # Deflate64, which zipfile cannot read
    with pytest.raises(MalformedExportError, match="compression method"):
        read(path)


def test_a_zip_of_an_unknown_version_is_a_clear_error(tmp_path: Path) -> None:
    path = zipped(tmp_path, plain())
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")
    raw[central + 6 : central + 8] = (235).to_bytes(2, "little")  # "needs version 23.5"
    path.write_bytes(bytes(raw))
    with pytest.raises(MalformedExportError, match="not a readable zip"):
        read(path)


def test_corrupt_deflate_data_is_a_clear_error(tmp_path: Path) -> None:
    path = zipped(tmp_path, plain(50))
    raw = bytearray(path.read_bytes())
    start = raw.index(b"PK\x03\x04") + 30 + len("conversations.json")
    raw[start + 5 : start + 25] = b"\xff" * 20
    path.write_bytes(bytes(raw))
    with pytest.raises(MalformedExportError, match=r"export\.zip"):
        read(path)


def test_a_bad_crc_is_a_clear_error(tmp_path: Path) -> None:
    data = plain()
    path = zipped(tmp_path, data, method=zipfile.ZIP_STORED)
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"hello 1", b"hello 9", 1))
    with pytest.raises(MalformedExportError, match="CRC"):
        read(path)


def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = zipped(tmp_path, b"[" + b" " * 2_000_000 + b"]")
    limits = Decompression(max_ratio=50, ratio_after=100_000)
    with pytest.raises(MalformedExportError, match="decompression bomb") as caught:
        read(path, decompression=limits)
    assert caught.value.kind == "too large"
    assert read(path)[0] == []  # within the default limits it is just an empty export


def test_a_gzip_bomb_is_stopped_while_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "conversations.json.gz"
    path.write_bytes(gzip.compress(plain(1)[:-1] + b" " * 3_000_000 + b"]"))
    with pytest.raises(MalformedExportError, match="decompression bomb"):
        read(path, decompression=Decompression(max_ratio=50, ratio_after=100_000))
    with pytest.raises(MalformedExportError, match="decompression bomb"):
        read(path, decompression=Decompression(max_bytes=1_000_000))
    assert len(read(path)[0]) == 1


def test_a_deeply_nested_value_in_an_error_message_does_not_recurse() -> None:
    role: Any = "user"
    for _ in range(50_000):
        role = [role]
    item = {
        "id": "c1",
        "current_node": "m",
        "mapping": {
            "m": {"id": "m", "parent": None, "message": {"author": {"role": role}, "content": {}}}
        },
    }
    with pytest.raises(MalformedExportError, match=r"author role is \[\[\[\.\.\.\]\]\]"):
        read_chatgpt(item, index=0, path="x.json", options=ReadOptions())


def test_the_parser_reads_more_than_its_default_64_kib_at_a_time() -> None:
    """The fewer the reads a long string spans, the fewer times the parser re-scans it."""

    class Recorder(io.BytesIO):
        sizes: list[int]

        def read(self, size: int | None = -1, /) -> bytes:
            self.sizes.append(-1 if size is None else size)
            return super().read(size)

    source = Recorder(
        json.dumps(
            [{"id": "c", "messages": [{"role": "user", "content": "x" * 3_000_000}]}]
        ).encode()
    )
    source.sizes = []
    (conversation,), _ = read(source, max_message_chars=None)
    assert len(conversation.messages[0].content) == 3_000_000
    assert max(source.sizes) >= 1 << 18


def test_a_lone_low_surrogate_is_read_as_the_replacement_character() -> None:
    raw = b'[{"id": "c", "messages": [{"role": "user", "content": "a\\udc00b"}]}]'
    (conversation,), report = read(io.BytesIO(raw))
    assert conversation.messages[0].content == "a\ufffdb"
    assert report.repaired == {"lone surrogate": 1}
    assert "1 repaired (lone surrogate: 1)" in report.summary()


def test_a_lone_high_surrogate_is_the_replacement_character_not_a_question_mark() -> None:
    raw = b'[{"id": "c", "messages": [{"role": "user", "content": "a\\ud800b"}]}]'
    (conversation,), _ = read(io.BytesIO(raw))
    assert conversation.messages[0].content == "a\ufffdb"


def test_an_integer_over_64_bits_anywhere_does_not_reject_the_export() -> None:
    conversations = json.loads(plain(3))
    conversations[1]["metadata"] = {"counter": 10**30, "negative": -(10**25)}
    (first, second, third), report = read(io.BytesIO(json.dumps(conversations).encode()))
    assert [c.id for c in (first, second, third)] == ["c0", "c1", "c2"]
    assert report.repaired == {"integer over 64 bits": 2}


def test_invalid_utf8_in_one_conversation_spares_the_others() -> None:
    raw = plain(3).replace(b"hello 1", b"hello \xff\xfe")
    conversations, report = read(io.BytesIO(raw))
    assert [c.messages[0].content for c in conversations] == [
        "hello 0",
        "hello \ufffd\ufffd",
        "hello 2",
    ]
    assert report.repaired == {"invalid UTF-8": 2}


def test_a_conversation_whose_nodes_all_form_a_cycle_is_an_error_not_empty() -> None:
    mapping = {
        "a": {"id": "a", "parent": "b", "message": None},
        "b": {"id": "b", "parent": "a", "message": None},
    }
    raw = json.dumps([{"id": "c1", "title": "t", "mapping": mapping}]).encode()
    conversations, report = read(io.BytesIO(raw))
    assert conversations == []
    assert report.skipped == {"cycle": 1}


def test_a_lone_surrogate_in_an_id_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidMessageError, match="lone surrogate"):
        Conversation(id="c\udc80", title="t")
    with open_store(f"sqlite:///{tmp_path / 'chunks.db'}") as store:
        store.migrate()
        with pytest.raises(InvalidChunkError, match="lone surrogate"):
            store.sync("ana\udc80", [])


def test_a_title_with_nul_or_a_lone_surrogate_is_stored_cleaned(tmp_path: Path) -> None:
    raw = json.dumps(
        [{"id": "c", "title": "a\x00b\udc80", "messages": [{"role": "user", "content": "hi"}]}]
    ).encode("utf-8", "surrogatepass")
    export = tmp_path / "export.json"
    export.write_bytes(raw)
    url = f"sqlite:///{tmp_path / 'chunks.db'}"
    assert chunking_main(["db", "migrate", url]) == 0
    assert chunking_main(["import", str(export), "--user", "ana", "--store", url]) == 0
    with open_store(url) as store:
        assert {c.title for c in store.chunks("ana")} == {"a\ufffdb\ufffd"}


@pytest.mark.parametrize("kind", ["password", "deep", "bomb"])
def test_the_command_line_gives_a_message_and_status_2_never_a_traceback(
    tmp_path: Path, kind: str
) -> None:
    if kind == "password":
        path = zipped(tmp_path, plain())
        patch_headers(path, flags=0x1)
    elif kind == "deep":
        path = tmp_path / "deep.json"
        path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    else:  # 80 MiB of spaces in a zip of about 80 KB, written without holding them
        path = tmp_path / "bomb.zip"
        with (
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
            archive.open("conversations.json", "w") as member,
        ):
            member.write(b"[")
            for _ in range(80):
                member.write(b" " * 2**20)
            member.write(b"]")
    done = subprocess.run(
        [sys.executable, "-m", "chunking", "chunk", str(path), "--out", str(tmp_path / "o.jsonl")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: ")
    assert str(path) in done.stderr
