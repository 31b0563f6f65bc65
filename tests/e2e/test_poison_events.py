"""Poison of every kind on every consumed topic: dead-lettered with a reason; the stream goes on."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts import Envelope, to_kafka
from tests.helpers import eventually_sync

from .conftest import Stack

TOPICS = [
    "registry.contacts.v1",
    "feeds.coa.v1",
    "feeds.duo.v1",
    "records.municipal.v1",
    "records.coa.v1",
    "records.duo.v1",
]
GOOD_HEADERS = to_kafka(
    Envelope(id="x", source="urn:nld:coa:feed", type="nl.coa.vergunninghouder.gewijzigd", data={}),
    None,
).headers


def poison() -> dict[str, tuple[list[tuple[str, bytes]], bytes | None]]:
    unique = secrets.token_hex(4)

    def headers(kind: str, **changed: bytes) -> list[tuple[str, bytes]]:
        # every poison its own ce_id: a repeated source + id would rightly count as a duplicate
        base = [(k, f"p-{unique}-{kind}".encode() if k == "ce_id" else v) for k, v in GOOD_HEADERS]
        return [(k, changed.get(k, v)) for k, v in base]

    return {
        "not_json": (headers("a"), b"{not json"),
        "invalid_utf8_value": (headers("b"), b"\xff\xfe\xfd"),
        "wrong_schema": (headers("c"), json.dumps({"unexpected": True}).encode()),
        "wrong_ce_type": (headers("d", ce_type=b"nl.example.other"), b"{}"),
        "missing_headers": ([], b"{}"),
        "invalid_utf8_header": (headers("f", ce_source=b"\xff"), b"{}"),
        "huge_value": (headers("g"), json.dumps({"blob": "x" * 900_000}).encode()),
    }


async def send_all(
    bootstrap: str, topic: str, messages: dict[str, Any]
) -> dict[tuple[int, int], str]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=2_000_000)
    await producer.start()
    try:
        sent = {}
        for kind, (headers, value) in messages.items():
            meta = await producer.send_and_wait(topic, value, key=b"poison", headers=headers)
            sent[(meta.partition, meta.offset)] = kind
        return sent
    finally:
        await producer.stop()


async def dead_letters_for(bootstrap: str, topic: str, prefix: str) -> dict[tuple[int, int], str]:
    consumer = AIOKafkaConsumer(
        prefix + "deadletter.v1",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_bytes=5_000_000,
        max_partition_fetch_bytes=5_000_000,
    )
    await consumer.start()
    found: dict[tuple[int, int], str] = {}
    try:
        while batches := await consumer.getmany(timeout_ms=1000):
            for records in batches.values():
                for record in records:
                    h = {k: v.decode() for k, v in record.headers if k.startswith("x-")}
                    if h.get("x-original-topic") == prefix + topic:
                        found[(int(h["x-original-partition"]), int(h["x-original-offset"]))] = h[
                            "x-error-code"
                        ]
    finally:
        await consumer.stop()
    return found


@pytest.mark.parametrize("topic", TOPICS)
def test_every_kind_of_poison_is_dead_lettered(stack: Stack, topic: str) -> None:
    sent = asyncio.run(send_all(stack.bootstrap, stack.prefix + topic, poison()))
    try:
        letters = eventually_sync(
            lambda: (
                (found := asyncio.run(dead_letters_for(stack.bootstrap, topic, stack.prefix)))
                and set(sent) <= set(found)
                and found
            ),
            timeout=60,
            interval=1,
            message="dead letters",
        )
    except AssertionError:
        found = asyncio.run(dead_letters_for(stack.bootstrap, topic, stack.prefix))
        missing = sorted(kind for key, kind in sent.items() if key not in found)
        raise AssertionError(f"{topic}: not dead-lettered: {missing}") from None
    codes = {letters[key] for key in sent}
    assert codes <= {
        "payload_unreadable",
        "envelope_invalid",
        "type_unknown",
        "field_invalid",
        "field_missing",
        "bsn_invalid",
        "source_mismatch",
    }, codes
    # The consumer still works: the service is ready and its lag drains to zero.
    import urllib.request

    with urllib.request.urlopen(f"{stack.url('linkage')}/health/ready") as response:  # noqa: S310
        assert response.status == 200
