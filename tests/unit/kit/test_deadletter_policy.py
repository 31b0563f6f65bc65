"""One dead-letter path: every consumer hands its rejections to the service's policy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from ketenkit import deadletter
from ketenkit.deadletter import DeadLetterPolicy, Rejected
from ketenkit.messages import Outgoing


def record(offset: int, key: bytes | None = b"ab" * 32) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="records.duo.v1",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=b'{"bsn":"111222333"}',
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=(("ce_id", b"e1"),),
    )


def policy(reported: list[tuple[str, str]]) -> DeadLetterPolicy:
    return DeadLetterPolicy(
        failed_by="linkage",
        deadletter_topic="t.deadletter.v1",
        on_dead_letter=lambda topic, code: reported.append((topic, code)),
        broker=object(),  # type: ignore[arg-type]  # publish_all is replaced below
    )


async def test_a_batch_of_rejections_is_published_at_once_and_each_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    published: list[list[Outgoing]] = []

    async def publish_all(_: Any, messages: list[Outgoing], **__: Any) -> list[Any]:
        published.append(list(messages))
        return []

    monkeypatch.setattr(deadletter, "publish_all", publish_all)
    reported: list[tuple[str, str]] = []
    await policy(reported).send(
        [Rejected(record(1), "field_invalid", "x"), Rejected(record(2), "type_unknown", "y")]
    )
    assert len(published) == 1
    letters = published[0]
    assert [letter.topic for letter in letters] == ["t.deadletter.v1"] * 2
    assert [dict(letter.headers)["x-failed-by"] for letter in letters] == [b"linkage"] * 2
    assert [dict(letter.headers)["x-original-offset"] for letter in letters] == [b"1", b"2"]
    assert b"111222333" not in b"".join(letter.value or b"" for letter in letters)
    assert reported == [("records.duo.v1", "field_invalid"), ("records.duo.v1", "type_unknown")]


def test_a_rejection_keeps_the_key_its_consumer_knows_else_the_policys() -> None:
    rules = policy([])
    known, unknown, none = rules.letters(
        [
            Rejected(record(1), "bsn_invalid", "x", key="pseudonym"),
            Rejected(record(2, key=b"111222333"), "bsn_invalid", "x"),
            Rejected(record(3), "bsn_invalid", "x", key=None),
        ]
    )
    assert known.key == "pseudonym"
    assert unknown.key is None  # the policy's rule: a key that may be a BSN is dropped
    assert none.key is None


def test_no_consumer_builds_its_own_dead_letters() -> None:
    services = Path(__file__).parents[3] / "services"
    for module in services.rglob("*.py"):
        assert not re.search(r"(?<!\w)dead_letter\(", module.read_text()), module
