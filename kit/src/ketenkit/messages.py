"""Outgoing Kafka messages and publishing them through the FastStream broker."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka.structs import RecordMetadata
from faststream.kafka import KafkaBroker

from contracts import Envelope, to_kafka


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to publish: topic, key, headers and value (``None`` is a tombstone)."""

    topic: str
    key: str | None
    headers: tuple[tuple[str, bytes], ...]
    value: bytes | None

    @classmethod
    def event(cls, topic: str, envelope: Envelope, key: str | None) -> Outgoing:
        """A CloudEvent in Kafka binary mode (the contracts binding)."""
        record = to_kafka(envelope, key)
        return cls(topic=topic, key=key, headers=record.headers, value=record.value)


async def publish_all(broker: KafkaBroker, messages: Iterable[Outgoing]) -> list[RecordMetadata]:
    """Send every message, letting aiokafka batch them, and wait until all are acknowledged.

    Messages of one key keep their order: the idempotent producer keeps the order of sends
    per partition, and every send is queued before the first acknowledgement is awaited.
    """
    pending: list[asyncio.Future[RecordMetadata]] = []
    for message in messages:
        future = await broker.publish(
            message.value,
            topic=message.topic,
            key=message.key.encode() if message.key is not None else None,
            headers={name: value.decode("utf-8", "replace") for name, value in message.headers},
            no_confirm=True,
        )
        pending.append(future)
    return list(await asyncio.gather(*pending))
