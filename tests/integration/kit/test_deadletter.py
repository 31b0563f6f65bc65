"""Retry, then dead-letter: a failing event goes to deadletter.v1 and the stream goes on."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from contracts import Envelope, create_topics
from contracts.deadletter import DEADLETTER_HEADERS
from ketenkit import (
    DeadLetterPolicy,
    Outgoing,
    ServiceSettings,
    make_broker,
    publish_all,
    subscribe_batch,
)
from ketenkit.incoming import Incoming
from tests.helpers import eventually, read_topic, topic_size


def feed_event(n: int, *, poison: bool = False) -> Outgoing:
    envelope = Envelope(
        id=f"f-{n}",
        source="urn:nld:duo:feed",
        type="nl.duo.examen.uitslag",
        data={"bsn": "111222333", "n": n, "poison": poison},
    )
    return Outgoing.event("", envelope, key="111222333")


async def test_failing_event_is_dead_lettered_after_retries_and_next_is_processed(
    kafka_bootstrap: str, unique: str
) -> None:
    await create_topics(kafka_bootstrap, name_prefix=unique)
    settings = ServiceSettings(
        service_name="dltest",
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique,
        consumer_batch_timeout_ms=200,
    )
    dead: list[tuple[str, str]] = []
    policy = DeadLetterPolicy(
        failed_by="dltest",
        max_retries=2,
        backoff_seconds=0.01,
        deadletter_topic=settings.topic("deadletter.v1"),
        on_dead_letter=lambda topic, code: dead.append((topic, code)),
    )
    broker: KafkaBroker = make_broker(settings, registry=CollectorRegistry(), policy=policy)
    attempts: dict[int, int] = {}
    processed: list[int] = []

    @subscribe_batch(broker, settings, "feeds.duo.v1", group_id=f"{unique}g")
    async def on_feed(batch: list[Incoming]) -> None:
        for incoming in batch:
            assert incoming.envelope is not None and incoming.envelope.data is not None
            n = incoming.envelope.data["n"]
            attempts[n] = attempts.get(n, 0) + 1
            if incoming.envelope.data["poison"]:
                raise ValueError("cannot handle this one")
        processed.extend(i.envelope.data["n"] for i in batch if i.envelope and i.envelope.data)

    topic = settings.topic("feeds.duo.v1")
    messages = [feed_event(1), feed_event(2, poison=True), feed_event(3)]
    async with broker:
        await broker.start()
        await publish_all(broker, [Outgoing(topic, m.key, m.headers, m.value) for m in messages])
        await eventually(lambda: 3 in processed and dead, message="next event processed")

    (letter,) = await read_topic(kafka_bootstrap, settings.topic("deadletter.v1"), count=1)
    headers = dict(letter.headers)
    assert set(DEADLETTER_HEADERS) <= set(headers)
    assert headers["x-error-code"] == b"processing_failed"
    assert headers["x-original-topic"] == topic.encode()
    assert headers["x-failed-by"] == b"dltest"
    assert headers["ce_id"] == b"f-2"
    assert letter.key is None  # the original key was a BSN
    assert b"111222333" not in letter.value and b"*****2333" in letter.value
    assert attempts[2] >= 3  # first try plus two retries
    assert sorted(set(processed)) == [1, 3]
    assert dead == [(topic, "processing_failed")]


async def test_a_failed_batch_is_read_again_from_its_first_record(
    kafka_bootstrap: str, unique: str
) -> None:
    """What the at-least-once path relies on in FastStream (pinned >=0.7,<0.8): a handler that
    raises (a dependency away) commits nothing, and the same batch comes again from its start."""
    await create_topics(kafka_bootstrap, name_prefix=unique)
    settings = ServiceSettings(
        service_name="rereadtest",
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique,
        consumer_batch_timeout_ms=300,
    )
    policy = DeadLetterPolicy(
        failed_by="rereadtest",
        backoff_seconds=0.01,
        deadletter_topic=settings.topic("deadletter.v1"),
    )
    broker: KafkaBroker = make_broker(settings, registry=CollectorRegistry(), policy=policy)
    seen: list[list[int]] = []

    @subscribe_batch(broker, settings, "feeds.duo.v1", group_id=f"{unique}g")
    async def on_feed(batch: list[Incoming]) -> None:
        offsets = sorted(i.record.offset for i in batch)
        seen.append(offsets)
        if len(seen) == 1:
            raise ConnectionError("the database is away")  # transient: never dead-lettered

    topic = settings.topic("feeds.duo.v1")
    events = [feed_event(n) for n in range(5)]  # one key: one partition, offsets 0..4
    async with broker:
        await broker.start()
        await publish_all(broker, [Outgoing(topic, m.key, m.headers, m.value) for m in events])
        await eventually(
            lambda: len(seen) > 1 and sum(len(b) for b in seen[1:]) >= len(seen[0]),
            timeout=30,
            message="the batch read again",
        )
    first, again = seen[0], [o for batch in seen[1:] for o in batch]
    assert first[0] == 0
    assert again[: len(first)] == first  # from its first record, nothing skipped
    assert await topic_size(kafka_bootstrap, settings.topic("deadletter.v1")) == 0
