"""The outbox relay publishes each committed row once, also across a restart."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from faststream.kafka import KafkaBroker
from sqlmodel import select

from contracts import Envelope, create_topics
from ketenkit import Database, OutboxRelay, OutboxRow, Outgoing, ProcessedEvent, add_to_outbox
from tests.helpers import read_topic


def event(topic: str, n: int) -> Outgoing:
    envelope = Envelope(
        id=f"ev-{n}",
        source="urn:nld:ketenmonitor:registry",
        type="nl.ketenmonitor.contact.updated",
        subject=f"c-{n % 3}",
        data={"n": n},
    )
    return Outgoing.event(topic, envelope, key=f"c-{n % 3}")


async def test_relay_publishes_each_row_once_across_a_restart(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    await create_topics(kafka_bootstrap, name_prefix=unique)
    topic = unique + "registry.contacts.v1"
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await db.create_tables([OutboxRow, ProcessedEvent])
    async with db.transaction() as session:
        await add_to_outbox(session, [event(topic, n) for n in range(5)])

    # First run: the process "crashes" after committing more rows, before the relay ran again.
    async with KafkaBroker(kafka_bootstrap) as broker:
        await broker.start()
        relay = OutboxRelay(db, broker)
        assert await relay.drain() == 5
    async with db.transaction() as session:
        await add_to_outbox(session, [event(topic, n) for n in range(5, 8)])

    # Restart: only what was not yet published goes out.
    async with KafkaBroker(kafka_bootstrap) as broker:
        await broker.start()
        relay = OutboxRelay(db, broker)
        assert await relay.drain() == 3
        assert await relay.drain() == 0

    records = await read_topic(kafka_bootstrap, topic, count=8)
    ids = [dict(r.headers)["ce_id"].decode() for r in records]
    assert sorted(ids) == sorted(f"ev-{n}" for n in range(8))
    assert len(ids) == len(set(ids))
    by_key: dict[bytes, list[str]] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        by_key.setdefault(record.key, []).append(dict(record.headers)["ce_id"].decode())
    for key, key_ids in by_key.items():
        assert key_ids == sorted(key_ids, key=lambda i: int(i.split("-")[1])), key
    async with db.sessions() as session:
        assert (await session.exec(select(OutboxRow))).all() == []
    await db.dispose()


async def test_several_relays_on_one_database_keep_each_keys_commit_order(
    kafka_bootstrap: str, unique: str, database_url: str
) -> None:
    """Three instances' relays drain one outbox at once while commits keep coming; for every key
    the offsets on the topic follow the commit order (a compacted topic keeps the last)."""
    await create_topics(kafka_bootstrap, name_prefix=unique)
    topic = unique + "monitoring.records.v1"
    db = Database(database_url)
    await db.create_tables([OutboxRow, ProcessedEvent])
    keys = [f"k-{k}" for k in range(12)]
    commits = 40

    def version(key: str, n: int) -> Outgoing:
        envelope = Envelope(
            id=f"{key}-{n}",
            source="urn:nld:ketenmonitor:linkage",
            type="nl.ketenmonitor.monitoring.record",
            subject=key,
            data={"n": n},
        )
        return Outgoing.event(topic, envelope, key=key)

    async def write() -> None:
        for n in range(commits):  # each commit a new version of every key, in commit order n
            async with db.transaction() as session:
                await add_to_outbox(session, [version(key, n) for key in keys])

    brokers = [KafkaBroker(kafka_bootstrap) for _ in range(3)]
    for broker in brokers:
        await broker.start()
    relays = [OutboxRelay(db, broker, batch_size=7, poll_seconds=0.01) for broker in brokers]
    try:
        for relay in relays:
            relay.start()
        await write()
        await asyncio.gather(*(relay.drain() for relay in relays))
    finally:
        for relay in relays:
            await relay.stop()
        for broker in brokers:
            await broker.stop()
        await db.dispose()
    records = await read_topic(kafka_bootstrap, topic, count=len(keys) * commits)
    order: dict[bytes, list[int]] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        order.setdefault(record.key, []).append(int(json.loads(record.value)["n"]))
    for key, seen in order.items():
        assert seen == sorted(seen), f"{key!r} published out of commit order: {seen}"
        assert len(seen) == commits


class SlowKafka:
    """A broker whose acknowledgements wait until the test lets them through."""

    def __init__(self) -> None:
        self.config = None
        self.sending = asyncio.Event()
        self.acknowledge = asyncio.Event()

    async def publish(self, *_: object, **__: object) -> asyncio.Future[None]:
        self.sending.set()
        await self.acknowledge.wait()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


async def test_on_sqlite_the_relay_lets_writers_write_while_kafka_acknowledges(
    tmp_path: Path,
) -> None:
    """SQLite has one writer: a relay holding it until Kafka acknowledged would stop the
    service's consumers for every publish."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await db.create_tables([OutboxRow, ProcessedEvent])
    async with db.transaction() as session:
        await add_to_outbox(session, [event("t", n) for n in range(3)])
    kafka = SlowKafka()
    relay = OutboxRelay(db, kafka)  # type: ignore[arg-type]
    publishing = asyncio.create_task(relay.publish_batch())
    await asyncio.wait_for(kafka.sending.wait(), 10)

    async def write() -> None:
        async with db.transaction() as session:
            await add_to_outbox(session, [event("t", 3)])

    await asyncio.wait_for(write(), 3)  # while the relay waits for Kafka
    kafka.acknowledge.set()
    assert await publishing == 3
    async with db.sessions() as session:
        left = (await session.exec(select(OutboxRow))).all()
    assert [json.loads(row.value or b"{}")["n"] for row in left] == [3]
    await db.dispose()
