"""The topic catalogue: every topic with its key, event types and settings, created idempotently.

Topic names live only here. ``records.*`` and ``monitoring.records.v1`` share the partition
count and the key (the pseudonym), so one linkage instance sees all sources of a person.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
    for_code,
)
from pydantic import BaseModel

from contracts import deliveries, feeds, monitoring, records, registry

logger = logging.getLogger(__name__)

CleanupPolicy = Literal["compact", "delete"]


class TopicOptions(TypedDict):
    """How durable the topics are made, and how long feeds keep their BSNs."""

    replication_factor: int
    min_insync_replicas: int
    feed_retention_ms: int


FEED_RETENTION_MS = 7 * 24 * 3600 * 1000
#: records.* are the pseudonymised system of record linkage is rebuilt from: kept for ever.
FOREVER = -1
RECORD_PARTITIONS = 6


@dataclass(frozen=True, slots=True)
class Topic:
    """One Kafka topic of the system."""

    name: str
    key: str
    partitions: int
    cleanup_policy: CleanupPolicy
    event_types: Mapping[str, type[BaseModel]]
    retention_ms: int | None = None
    description: str = ""
    #: The only ``ce_source`` its events may carry, where one party owns the topic (SPEC 11).
    source: str | None = None
    config: Mapping[str, str] = field(default_factory=dict)

    def topic_config(
        self, *, feed_retention_ms: int = FEED_RETENTION_MS, min_insync_replicas: int = 1
    ) -> dict[str, str]:
        """The topic's configuration; feeds keep their BSNs ``feed_retention_ms`` only."""
        settings = {
            "cleanup.policy": self.cleanup_policy,
            "min.insync.replicas": str(min_insync_replicas),
            **self.config,
        }
        retention = feed_retention_ms if self.name.startswith("feeds.") else self.retention_ms
        if retention is not None:
            settings["retention.ms"] = str(retention)
        return settings


REGISTRY_CONTACTS = Topic(
    name="registry.contacts.v1",
    key="contact id",
    partitions=3,
    cleanup_policy="compact",
    event_types=dict.fromkeys(registry.CONTACT_EVENT_TYPES, registry.ContactState),
    description="Full state of each contact person after every change.",
    source=registry.REGISTRY_SOURCE,
)
INGEST_DELIVERIES = Topic(
    name="ingest.deliveries.v1",
    key="delivery id",
    partitions=3,
    cleanup_policy="delete",
    event_types=dict.fromkeys(deliveries.DELIVERY_EVENT_TYPES, deliveries.DeliveryEvent),
    description="Steps of municipal deliveries.",
)
FEEDS_COA = Topic(
    name="feeds.coa.v1",
    key="BSN",
    partitions=6,
    cleanup_policy="delete",
    retention_ms=FEED_RETENTION_MS,
    event_types=feeds.COA_FEED_MODELS,
    description="COA's status-holder changes (holds BSNs: short retention).",
    source=feeds.COA_SOURCE,
)
FEEDS_DUO = Topic(
    name="feeds.duo.v1",
    key="BSN",
    partitions=6,
    cleanup_policy="delete",
    retention_ms=FEED_RETENTION_MS,
    event_types=feeds.DUO_FEED_MODELS,
    description="DUO's obligation, exam, term and end events (holds BSNs: short retention).",
    source=feeds.DUO_SOURCE,
)
FEEDS_STATS = Topic(
    name="feeds.stats.v1",
    key="BSN",
    partitions=6,
    cleanup_policy="delete",
    retention_ms=FEED_RETENTION_MS,
    event_types=feeds.STATS_FEED_MODELS,
    description="CBS's monthly socio-economic category per person (holds BSNs: short retention).",
    source=feeds.STATS_SOURCE,
)
RECORDS_MUNICIPAL = Topic(
    name="records.municipal.v1",
    key="pseudonym",
    partitions=RECORD_PARTITIONS,
    cleanup_policy="delete",
    retention_ms=FOREVER,
    event_types={
        records.RECORD_MUNICIPAL: records.MunicipalRecord,
        records.RECORD_MUNICIPAL_RETRACTED: records.MunicipalRecordRetracted,
    },
    description="Released municipal rows, pseudonymised.",
)
RECORDS_COA = Topic(
    name="records.coa.v1",
    key="pseudonym",
    partitions=RECORD_PARTITIONS,
    cleanup_policy="delete",
    retention_ms=FOREVER,
    event_types={records.RECORD_COA: records.CoaRecord},
    description="Validated COA facts, pseudonymised.",
)
RECORDS_DUO = Topic(
    name="records.duo.v1",
    key="pseudonym",
    partitions=RECORD_PARTITIONS,
    cleanup_policy="delete",
    retention_ms=FOREVER,
    event_types={records.RECORD_DUO: records.DuoRecord},
    description="Validated DUO facts, pseudonymised.",
)
RECORDS_STATS = Topic(
    name="records.stats.v1",
    key="pseudonym",
    partitions=RECORD_PARTITIONS,
    cleanup_policy="delete",
    retention_ms=FOREVER,
    event_types={records.RECORD_STATS: records.StatsRecord},
    description="Validated monthly socio-economic categories, pseudonymised.",
)
MONITORING_RECORDS = Topic(
    name="monitoring.records.v1",
    key="pseudonym",
    partitions=RECORD_PARTITIONS,
    cleanup_policy="compact",
    event_types={monitoring.MONITORING_RECORD: monitoring.MonitoringRecord},
    description="Complete monitoring records; a tombstone when one stops being complete.",
)
DEADLETTER = Topic(
    name="deadletter.v1",
    key="pseudonym, or none (never a BSN)",
    partitions=3,
    cleanup_policy="delete",
    event_types={},
    description="Events that could not be processed, with x-error-* headers.",
)

CATALOGUE: tuple[Topic, ...] = (
    REGISTRY_CONTACTS,
    INGEST_DELIVERIES,
    FEEDS_COA,
    FEEDS_DUO,
    FEEDS_STATS,
    RECORDS_MUNICIPAL,
    RECORDS_COA,
    RECORDS_DUO,
    RECORDS_STATS,
    MONITORING_RECORDS,
    DEADLETTER,
)
BY_NAME: Mapping[str, Topic] = {topic.name: topic for topic in CATALOGUE}


_NOT_OURS_TO_CREATE = (TopicAuthorizationFailedError, ClusterAuthorizationFailedError)


async def _reconcile(admin: AIOKafkaAdminClient, wanted: Mapping[str, dict[str, str]]) -> None:
    """Give existing topics the catalogue's configuration where it differs."""
    if not wanted:
        return
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in wanted]
    differing: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(resources):
        for error_code, _message, _type, name, entries, *_ in response.resources:
            if error_code or name not in wanted:
                continue  # not ours to see (ACLs): provisioning reconciles it
            current = {entry[0]: entry[1] for entry in entries}
            if any(current.get(key) != value for key, value in wanted[name].items()):
                differing[name] = wanted[name]
    if not differing:
        return
    # AlterConfigs sets a topic's whole dynamic configuration: the catalogue's is all of it.
    changes = [ConfigResource(ConfigResourceType.TOPIC, n, c) for n, c in differing.items()]
    for response in await admin.alter_configs(changes):
        for error_code, _message, _type, name in response.resources:
            if error_code == 0:
                logger.warning("topic_config_changed", extra={"topic": name, **differing[name]})
            else:
                logger.info("topic_config_not_changed", extra={"topic": name, "code": error_code})


async def create_topics(
    bootstrap_servers: str,
    topics: Iterable[Topic] = CATALOGUE,
    *,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
    feed_retention_ms: int = FEED_RETENTION_MS,
    name_prefix: str = "",
    **client_options: Any,
) -> list[str]:
    """Create the missing ``topics`` (optionally with a name prefix); return the names created.

    Safe to run at every start and from several processes at once: a topic that appears
    meanwhile is left as it is. A topic that exists with another retention, cleanup policy or
    ``min.insync.replicas`` than the catalogue says gets the catalogue's (so ``records.*``
    made before they were kept for ever stop losing events). ``client_options`` are aiokafka's
    security arguments. On a broker with ACLs a service may neither create nor alter topics:
    the administrator's provisioning does, so a refusal is logged and not raised.
    """
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, client_id="ketenmonitor-topics", **client_options
    )
    await admin.start()
    try:
        wanted = {name_prefix + t.name: t for t in topics}
        configs = {
            name: topic.topic_config(
                feed_retention_ms=feed_retention_ms, min_insync_replicas=min_insync_replicas
            )
            for name, topic in wanted.items()
        }
        existing = set(await admin.list_topics())
        await _reconcile(admin, {n: c for n, c in configs.items() if n in existing})
        missing = [
            NewTopic(
                name=name,
                num_partitions=topic.partitions,
                replication_factor=replication_factor,
                topic_configs=configs[name],
            )
            for name, topic in wanted.items()
            if name not in existing
        ]
        if not missing:
            return []
        response = await admin.create_topics(missing)
        created: list[str] = []
        appeared: list[str] = []
        for name, code, *message in response.topic_errors:
            if code == 0:
                created.append(name)
            elif for_code(code) in _NOT_OURS_TO_CREATE:
                logger.info("topic_not_created_not_authorised", extra={"topic": name})
            elif for_code(code) is TopicAlreadyExistsError:
                appeared.append(name)  # made meanwhile, or not yet in the metadata we read
            else:
                raise for_code(code)(f"creating topic {name}: {message[0] if message else ''}")
        await _reconcile(admin, {name: configs[name] for name in appeared})
        return created
    finally:
        await admin.close()
