"""Outgoing Kafka messages and publishing them through the FastStream broker."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata
from faststream.kafka import KafkaBroker
from prometheus_client import Counter

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


def _aiokafka_producer(broker: KafkaBroker) -> AIOKafkaProducer | None:
    # FastStream's publish path costs more per message than validating the message does; for
    # bulk sends we hand records to the broker's own idempotent aiokafka producer.
    state = getattr(getattr(broker.config, "producer", None), "_producer", None)
    producer = getattr(state, "producer", None)
    return producer if isinstance(producer, AIOKafkaProducer) else None


async def publish_all(
    broker: KafkaBroker, messages: Iterable[Outgoing], *, counter: Counter | None = None
) -> list[RecordMetadata]:
    """Send every message, letting aiokafka batch them, and wait until all are acknowledged.

    Messages of one key keep their order: the idempotent producer keeps the order of sends
    per partition, and every send is queued before the first acknowledgement is awaited.
    ``counter`` (labelled by topic) counts what was acknowledged.
    """
    producer = _aiokafka_producer(broker)
    pending: list[asyncio.Future[RecordMetadata]] = []
    topics: list[str] = []
    for message in messages:
        key = message.key.encode() if message.key is not None else None
        if producer is not None:
            future = await producer.send(
                message.topic, message.value, key=key, headers=list(message.headers)
            )
        else:  # e.g. FastStream's in-memory test broker
            future = await broker.publish(
                message.value,
                topic=message.topic,
                key=key,
                headers={name: value.decode("utf-8", "replace") for name, value in message.headers},
                no_confirm=True,
            )
        pending.append(future)
        topics.append(message.topic)
    results = list(await asyncio.gather(*pending))
    if counter is not None:
        for topic, count in collections.Counter(topics).items():
            counter.labels(topic).inc(count)
    return results
