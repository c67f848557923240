"""The memory of each synthetic user, end to end with the offline stand-in.

Every planted change (``changed-current`` queries: city, job, dog, editor,
allergy, instrument, partner, language, birthday...) must end as the current
value, with the earlier value in its history (``changed-history`` queries),
and no fact may appear as two bullets.

"Earlier" is by the messages' own times. The generator plants an update in
the second export, but once (u06's code editor) in a conversation whose
messages are dated before the original statement: there the memory follows
the times, and so does this test.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from chunking.formats import load_export
from extraction.cache import MemoryFactCache
from extraction.extract import extract_facts
from extraction.items import Turn
from extraction.ledger import Ledger
from extraction.levers import DEFAULT_LEVERS
from extraction.memory import build_memory
from extraction.models import MODELS
from extraction.offline import OfflineLLM, facts_of_turn
from tests.extraction.helpers import items_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "synthetic"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
QUERIES = json.loads((FIXTURES / "queries.json").read_text(encoding="utf-8"))


def profile(user: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    conversations = list(load_export(FIXTURES / user["second"]))
    times = {m.id: m.created_at for c in conversations for m in c.messages}
    result = asyncio.run(
        extract_facts(
            items_of(conversations, DEFAULT_LEVERS.tiers),
            llm=OfflineLLM(),
            cache=MemoryFactCache(),
            ledger=Ledger(MODELS["claude-haiku-5-5"].prices),
            levers=DEFAULT_LEVERS,
        )
    )
    markdown = build_memory(result.facts, produced_by=OfflineLLM.description).markdown
    return [line for line in markdown.splitlines() if line.startswith("- ")], times


def current_value(sentence: str) -> str:
    (value,) = {
        str(f["value"])
        for f in facts_of_turn(Turn("user", "m", sentence))
        if f.get("status") == "current" and f.get("value")
    }
    return value


@pytest.mark.parametrize("user", MANIFEST["users"], ids=lambda u: u["id"])
def test_every_planted_change_ends_current_with_its_history_and_no_duplicates(
    user: dict[str, Any],
) -> None:
    lines, times = profile(user)
    texts = [line.split(" (", 1)[0] for line in lines]
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    mine = [q for q in QUERIES if q["user_id"] == user["id"]]
    histories = {q["fact"]: q for q in mine if q["kind"] == "changed-history"}
    checked = 0
    for query in mine:
        if query["kind"] == "changed-current" and query["fact"] not in histories:
            expect_change(lines, current_value(query["gold"][-1]["text"]), None)
            checked += 1
        elif query["kind"] == "changed-history":
            said = sorted(query["gold"], key=lambda g: times[g["message_id"]])
            old, new = (current_value(g["text"]) for g in (said[0], said[-1]))
            expect_change(lines, new, old)
            checked += 1
    assert checked == len({q["fact"] for q in mine if q["kind"].startswith("changed")})


def expect_change(lines: list[str], new: str, old: str | None) -> None:
    holding = [line for line in lines if new in line.split(" (", 1)[0]]
    assert len(holding) == 1, (new, holding)
    assert "(since " in holding[0]
    assert "; before: “" in holding[0], holding[0]
    if old is not None:
        before = holding[0].split("; before: ", 1)[1].split(") — from ", 1)[0]
        assert old in before, (old, holding[0])
