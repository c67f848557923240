"""The LoCoMo dataset: long multi-session conversations and questions with evidence turns.

A LoCoMo file is a JSON list of samples. Each sample has a ``conversation``
(``speaker_a``, ``speaker_b``, and for each session N a list ``session_N`` of
turns ``{speaker, dia_id, text, img_url?, blip_caption?}`` with its date in
``session_N_date_time``) and ``qa`` items ``{question, answer, evidence, category}``
whose ``evidence`` lists the ``dia_id`` of the turns that answer them.

How a sample becomes one canonical :class:`~chunking.Conversation`:

- sessions in the order of N; before each session's turns, a ``system`` message
  whose id is ``session_N``, whose name is ``Session N`` and whose content is the
  session's date as written in the file, so the rendered text reads
  ``"Session 3: 1:56 pm on 8 May, 2023"`` (no header when the date is missing);
- each turn a message whose id is its ``dia_id`` and whose name is its speaker;
  the role is ``user`` for ``speaker_a`` and ``assistant`` for ``speaker_b``
  (anybody else is ``user``), rendered ``"Caroline: text"``;
- a shared image is described in the text by its caption:
  ``"text [image: a photo of a dog]"`` (``include_captions=False`` leaves it out);
- ``created_at`` of the header and its turns is the session's date when it parses.

Queries: category 5 (adversarial) is excluded; an evidence entry holding several
ids joined by ``;`` or ``,`` is split; an item with no evidence, or with an id
that is not a rendered turn of its conversation, is counted and skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from chunking.model import Conversation, Message, Role
from chunking.render import render
from eval.datasets.model import Corpus, Dataset, Gold, Query
from eval.errors import MalformedDatasetError
from eval.spans import Span

__all__ = [
    "CATEGORIES",
    "LocomoDataset",
    "LocomoQuery",
    "load_locomo_dataset",
    "parse_locomo",
    "read_locomo",
]

logger = logging.getLogger(__name__)

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
"""Labels of the LoCoMo question categories that are scored (5, adversarial, is not)."""

ADVERSARIAL = 5
_SESSION = re.compile(r"session_(\d+)")
_ID_SEPARATORS = re.compile(r"[;,]")
_DATE_FORMAT = "%I:%M %p on %d %B, %Y"


@dataclass(frozen=True, slots=True)
class LocomoQuery:
    """A question whose gold answer is a set of turns (message ids) of one conversation."""

    id: str
    conversation_id: str
    question: str
    answer: str
    category: int
    evidence: tuple[str, ...]

    @property
    def category_label(self) -> str:
        """``multi-hop``, ``temporal``, ``open-domain``, ``single-hop`` or ``category-N``."""
        return CATEGORIES.get(self.category, f"category-{self.category}")


@dataclass(frozen=True, slots=True)
class LocomoDataset:
    """What a LoCoMo file yields, and what was left out and why.

    Attributes:
        conversations: one per sample, in file order.
        queries: the kept questions, in file order.
        skipped_adversarial: category-5 items (not scored by design).
        skipped_no_evidence: items whose evidence list is empty.
        skipped_unknown_evidence: items naming an id that is not a rendered turn.
        unknown_evidence_ids: those ids, as ``"sample: id"``, for the report.
        split_evidence_entries: evidence entries that held several ids (kept, split).
    """

    conversations: tuple[Conversation, ...]
    queries: tuple[LocomoQuery, ...]
    skipped_adversarial: int
    skipped_no_evidence: int
    skipped_unknown_evidence: int
    unknown_evidence_ids: tuple[str, ...]
    split_evidence_entries: int

    def queries_per_category(self) -> dict[str, int]:
        """Kept queries per category label, in category order."""
        counts = Counter(query.category for query in self.queries)
        return {CATEGORIES.get(c, f"category-{c}"): counts[c] for c in sorted(counts)}


class _Turn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    speaker: str
    dia_id: str
    text: str = ""
    blip_caption: str | None = None


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: str
    answer: str | int | float | None = None
    evidence: list[str] = []
    category: int


class _Sample(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sample_id: str | None = None
    conversation: dict[str, Any]
    qa: list[_Item] = []


_SAMPLES = TypeAdapter(list[_Sample])
_TURNS = TypeAdapter(list[_Turn])


def read_locomo(path: str | Path, *, include_captions: bool = True) -> LocomoDataset:
    """Read a LoCoMo-format JSON file (see the module docstring for the mapping).

    Raises:
        MalformedDatasetError: the file is not JSON or not in the LoCoMo format.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise MalformedDatasetError(
            f"not valid JSON ({error}); expected a LoCoMo file, a JSON list of samples",
            path=str(path),
        ) from None
    return parse_locomo(data, source=str(path), include_captions=include_captions)


def parse_locomo(
    data: object, *, source: str | None = None, include_captions: bool = True
) -> LocomoDataset:
    """Turn parsed LoCoMo JSON into conversations and queries.

    Args:
        data: the JSON value (a list of samples).
        source: the file name, for error messages.
        include_captions: describe shared images by their caption in the text.

    Raises:
        MalformedDatasetError: ``data`` is not a list of LoCoMo samples.
    """
    try:
        samples = _SAMPLES.validate_python(data)
    except ValidationError as error:
        raise MalformedDatasetError(
            f"not in the LoCoMo format: {_first_error(error)}; expected a list of samples "
            "with 'conversation' and 'qa'",
            path=source,
        ) from None
    conversations: list[Conversation] = []
    queries: list[LocomoQuery] = []
    counts: Counter[str] = Counter()
    unknown: list[str] = []
    for number, sample in enumerate(samples):
        conversation_id = sample.sample_id or f"sample-{number}"
        conversation = _conversation(sample, conversation_id, source, include_captions)
        conversations.append(conversation)
        rendered_ids = {m.id for m in conversation.messages if m.content.strip()}
        for index, item in enumerate(sample.qa):
            query = _query(item, f"{conversation_id}#q{index}", conversation_id, counts)
            if query is None:
                continue
            missing = [i for i in query.evidence if i not in rendered_ids]
            if missing:
                counts["unknown"] += 1
                unknown.extend(f"{conversation_id}: {i}" for i in missing)
                continue
            queries.append(query)
    logger.info("LoCoMo %s: %d conversations, %d queries", source, len(conversations), len(queries))
    return LocomoDataset(
        conversations=tuple(conversations),
        queries=tuple(queries),
        skipped_adversarial=counts["adversarial"],
        skipped_no_evidence=counts["no_evidence"],
        skipped_unknown_evidence=counts["unknown"],
        unknown_evidence_ids=tuple(unknown),
        split_evidence_entries=counts["split"],
    )


def _query(
    item: _Item, query_id: str, conversation_id: str, counts: Counter[str]
) -> LocomoQuery | None:
    if item.category == ADVERSARIAL:
        counts["adversarial"] += 1
        return None
    evidence: list[str] = []
    for entry in item.evidence:
        parts = [part.strip() for part in _ID_SEPARATORS.split(entry)]
        counts["split"] += len(parts) > 1
        evidence.extend(part for part in parts if part and part not in evidence)
    if not evidence:
        counts["no_evidence"] += 1
        return None
    answer = "" if item.answer is None else str(item.answer)
    return LocomoQuery(
        id=query_id,
        conversation_id=conversation_id,
        question=item.question,
        answer=answer,
        category=item.category,
        evidence=tuple(evidence),
    )


def _conversation(
    sample: _Sample, conversation_id: str, source: str | None, include_captions: bool
) -> Conversation:
    fields = sample.conversation
    speaker_b = fields.get("speaker_b")
    sessions = sorted(
        (int(match.group(1)), key)
        for key in fields
        if (match := _SESSION.fullmatch(key)) is not None
    )
    messages: list[Message] = []
    for number, key in sessions:
        try:
            turns = _TURNS.validate_python(fields[key])
        except ValidationError as error:
            raise MalformedDatasetError(
                f"{key}: {_first_error(error)}; expected a list of turns with "
                "'speaker', 'dia_id' and 'text'",
                path=source,
                sample=conversation_id,
            ) from None
        raw_date = fields.get(f"{key}_date_time")
        date = raw_date.strip() if isinstance(raw_date, str) else ""
        created_at = _parse_date(date)
        if turns and date:
            messages.append(
                Message(id=key, role=Role.SYSTEM, content=date, name=f"Session {number}",
                        created_at=created_at)
            )  # fmt: skip
        messages.extend(_message(turn, speaker_b, created_at, include_captions) for turn in turns)
    try:
        return Conversation(
            id=conversation_id,
            title=conversation_id,
            messages=tuple(messages),
            created_at=messages[0].created_at if messages else None,
        )
    except ValueError as error:
        raise MalformedDatasetError(str(error), path=source, sample=conversation_id) from None


def _message(
    turn: _Turn, speaker_b: object, created_at: datetime | None, include_captions: bool
) -> Message:
    content = turn.text
    if include_captions and turn.blip_caption and turn.blip_caption.strip():
        content = f"{content} [image: {turn.blip_caption.strip()}]".strip()
    return Message(
        id=turn.dia_id,
        role=Role.ASSISTANT if turn.speaker == speaker_b else Role.USER,
        content=content,
        name=turn.speaker.strip() or None,
        created_at=created_at,
    )


def _parse_date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, _DATE_FORMAT)  # naive: the file gives no zone
    except ValueError:
        return None


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{first['msg']} at {where or 'the top level'}"


def load_locomo_dataset(path: Path) -> Dataset:
    """A LoCoMo file as an evaluation :class:`~eval.datasets.model.Dataset`.

    Each sample is its own corpus (its conversation is the only one its
    questions search); each kept question's gold is its evidence turns, as
    message ids and as their rendered spans; ``kind`` is the category label.
    """
    locomo = read_locomo(path)
    by_id = {conversation.id: conversation for conversation in locomo.conversations}
    queries = []
    for query in locomo.queries:
        rendered = render(by_id[query.conversation_id])
        where = {
            message.id: (start, end)
            for message, start, end in zip(
                rendered.messages, rendered.message_starts, rendered.message_ends, strict=True
            )
        }
        spans = tuple(
            Span(query.conversation_id, *where[turn]) for turn in query.evidence if turn in where
        )
        queries.append(
            Query(
                id=query.id,
                user_id=query.conversation_id,
                text=query.question,
                gold=Gold(
                    messages=frozenset((query.conversation_id, turn) for turn in query.evidence),
                    spans=spans,
                ),
                kind=CATEGORIES.get(query.category, str(query.category)),
            )
        )
    return Dataset(
        name=Path(path).stem,
        corpora=tuple(
            Corpus(user_id=conversation.id, conversations=(conversation,))
            for conversation in locomo.conversations
        ),
        queries=tuple(queries),
        digest=hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12],
        gold_spans="a LoCoMo evidence turn (the whole rendered message, label included)",
    )
