"""The catalogue decides retention: records.* for ever, feeds.* briefly; existing topics follow."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from contracts import CATALOGUE, create_topics
from contracts.topics import BY_NAME
from tests.helpers import eventually


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
    assert (await configs(kafka_bootstrap, [old]))[old]["retention.ms"] == "-1"
