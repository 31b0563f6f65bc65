"""The envelope binding, the topic catalogue and the batch subscriber on the real broker."""

from __future__ import annotations

from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from contracts import CATALOGUE, Envelope, create_topics, from_kafka
from ketenkit import (
    DeadLetterPolicy,
    Outgoing,
    ServiceSettings,
    make_broker,
    publish_all,
    subscribe_batch,
)
from ketenkit.incoming import Incoming
from tests.helpers import eventually


def settings_for(bootstrap: str, prefix: str, **extra: Any) -> ServiceSettings:
    return ServiceSettings(
        service_name="kittest",
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        handler_backoff_seconds=0.01,
        consumer_batch_timeout_ms=20,
        **extra,
    )


def broker_for(settings: ServiceSettings) -> KafkaBroker:
    policy = DeadLetterPolicy(
        failed_by="kittest",
        deadletter_topic=settings.topic("deadletter.v1"),
        max_retries=2,
        backoff_seconds=0.01,
    )
    return make_broker(settings, registry=CollectorRegistry(), policy=policy)


async def test_subscriber_receives_envelope_with_headers_intact(
    kafka_bootstrap: str, unique: str
) -> None:
    settings = settings_for(kafka_bootstrap, unique)
    await create_topics(kafka_bootstrap, name_prefix=unique)
    broker = broker_for(settings)
    received: list[Incoming] = []

    @subscribe_batch(broker, settings, "records.duo.v1", group_id=f"{unique}g")
    async def on_records(batch: list[Incoming]) -> None:
        received.extend(batch)

    sent = Envelope(
        id="e-1",
        source="urn:nld:ketenmonitor:ingest",
        type="nl.ketenmonitor.record.duo",
        subject="ab" * 32,
        sequence="7",
        data={"pseudonym": "ab" * 32, "kind": "vastgesteld"},
    )
    async with broker:
        await broker.start()
        await publish_all(
            broker, [Outgoing.event(settings.topic("records.duo.v1"), sent, "ab" * 32)]
        )
        await eventually(lambda: received, message="envelope received")
    (incoming,) = received
    assert incoming.error is None
    assert incoming.envelope == sent
    assert incoming.record.key == ("ab" * 32).encode()
    headers = dict(incoming.record.headers)
    assert headers["ce_type"] == b"nl.ketenmonitor.record.duo"
    assert headers["content-type"] == b"application/json"
    assert from_kafka(incoming.record.key, incoming.record.headers, incoming.record.value) == sent


async def test_catalogue_topics_exist_with_partitions_and_cleanup_policy(
    kafka_bootstrap: str, unique: str
) -> None:
    created = await create_topics(kafka_bootstrap, name_prefix=unique)
    assert sorted(created) == sorted(unique + t.name for t in CATALOGUE)
    assert await create_topics(kafka_bootstrap, name_prefix=unique) == []
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([unique + t.name for t in CATALOGUE])
        partitions = {d["topic"]: len(d["partitions"]) for d in described}
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, unique + t.name) for t in CATALOGUE]
        )
        policies: dict[str, str] = {}
        for response in responses:
            for resource in response.resources:
                name, entries = resource[3], resource[4]
                policies[name] = next(e[1] for e in entries if e[0] == "cleanup.policy")
    finally:
        await admin.close()
    for topic in CATALOGUE:
        assert partitions[unique + topic.name] == topic.partitions, topic.name
        assert policies[unique + topic.name] == topic.cleanup_policy, topic.name
