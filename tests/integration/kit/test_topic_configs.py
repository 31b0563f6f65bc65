"""The catalogue decides retention: records.* for ever, feeds.* briefly; existing topics follow."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from contracts import CATALOGUE, create_topics
from contracts.topics import BY_NAME
from tests.helpers import delete_topics, eventually


async def configs(bootstrap: str, names: list[str]) -> dict[str, dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found: dict[str, dict[str, str]] = {}
        resources = [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
        for response in await admin.describe_configs(resources):
            for _code, _message, _type, name, entries, *_ in response.resources:
                found[name] = {entry[0]: entry[1] for entry in entries}
        return found
    finally:
        await admin.close()


async def _retention(bootstrap: str, name: str) -> str | None:
    return (await configs(bootstrap, [name])).get(name, {}).get("retention.ms")


async def test_records_are_kept_for_ever_and_feeds_briefly(
    kafka_bootstrap: str, unique: str
) -> None:
    await create_topics(kafka_bootstrap, name_prefix=unique, feed_retention_ms=86_400_000)
    names = [unique + t.name for t in CATALOGUE]
    found = await configs(kafka_bootstrap, names)
    for topic in ("records.municipal.v1", "records.coa.v1", "records.duo.v1"):
        assert found[unique + topic]["retention.ms"] == "-1", topic
    for topic in ("feeds.coa.v1", "feeds.duo.v1"):
        assert found[unique + topic]["retention.ms"] == "86400000", topic
    assert found[unique + "monitoring.records.v1"]["cleanup.policy"] == "compact"
    assert {found[n]["min.insync.replicas"] for n in names} == {"1"}


async def test_an_existing_records_topic_made_with_a_time_limit_is_kept_for_ever(
    kafka_bootstrap: str, unique: str
) -> None:
    # As an earlier version made it: the broker's default retention (7 days), events expiring.
    old = unique + "records.coa.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(old, 6, 1, topic_configs={"cleanup.policy": "delete"})])
    finally:
        await admin.close()

    # (a topic just made takes a moment to be described: wait until it is)
    async def described() -> str | None:
        return await _retention(kafka_bootstrap, old)

    before: str = await eventually(described, message="the old topic described")
    assert before != "-1"
    await create_topics(kafka_bootstrap, [BY_NAME["records.coa.v1"]], name_prefix=unique)

    # (the broker applies an accepted change through its metadata log: a moment later)
    async def kept_for_ever() -> str | None:
        retention = await _retention(kafka_bootstrap, old)
        return retention if retention == "-1" else None

    kept: str = await eventually(kept_for_ever, timeout=10, message="kept for ever")
    assert kept == "-1"


async def test_a_test_s_topics_are_deleted_with_its_prefix(kafka_bootstrap: str) -> None:
    mine, other = "tdel1.", "tdel2."
    await create_topics(kafka_bootstrap, name_prefix=mine)
    await create_topics(kafka_bootstrap, [BY_NAME["deadletter.v1"]], name_prefix=other)
    deleted = await asyncio.to_thread(delete_topics, kafka_bootstrap, mine)
    assert sorted(deleted) == sorted(mine + t.name for t in CATALOGUE)

    async def left() -> set[str] | None:
        names = await asyncio.to_thread(_names, kafka_bootstrap)
        ours = {n for n in names if n.startswith((mine, other))}
        return ours if ours == {other + "deadletter.v1"} else None

    remaining: set[str] = await eventually(left, message="only the prefix's topics deleted")
    assert remaining == {other + "deadletter.v1"}
    await asyncio.to_thread(delete_topics, kafka_bootstrap, other)


def _names(bootstrap: str) -> set[str]:
    from confluent_kafka.admin import AdminClient

    return set(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics)
