"""The broker factory and the consumer settings every service uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry

from contracts.topics import DEADLETTER
from ketenkit.deadletter import DeadLetterPolicy
from ketenkit.incoming import decode_incoming, parse_tolerant
from ketenkit.partitioner import partition_for
from ketenkit.settings import ServiceSettings
from ketenkit.tracing import kafka_middlewares


def make_broker(
    settings: ServiceSettings,
    *,
    registry: CollectorRegistry,
    policy: DeadLetterPolicy,
    **options: Any,
) -> KafkaBroker:
    """A FastStream broker with an idempotent ``acks=all`` producer, metrics and dead letters.

    Middleware order: the consumer spans (while tracing is on) enclose the rest, Prometheus
    sees every attempt's outcome, dead-lettering sits inside it.
    Topics come from the catalogue (``ServiceRuntime.start`` or the administrator's
    provisioning), never from FastStream's defaults: one partition and no retention settings.
    """
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        security=settings.kafka_security(),
        enable_idempotence=True,
        acks="all",
        allow_auto_create_topics=False,
        partitioner=partition_for,
        middlewares=[
            *kafka_middlewares(),
            KafkaPrometheusMiddleware(registry=registry, app_name=settings.service_name),
            policy.middleware,
        ],
        **options,
    )
    policy.broker = broker
    return broker


def subscribe_batch(
    broker: KafkaBroker,
    settings: ServiceSettings,
    *topics: str,
    group_id: str,
    title: str | None = None,
    description: str | None = None,
) -> Callable[[Callable[..., Any]], Any]:
    """At-least-once batch subscriber: offsets are committed only after the handler returned.

    FastStream's default commits before the handler runs (at-most-once); here a handler
    error seeks back (``NACK_ON_ERROR``), so an uncommitted batch is read again. A consumer
    dead-letters what it cannot use, so its AsyncAPI document names ``deadletter.v1`` too.
    """
    deadletter = settings.topic(DEADLETTER.name)
    if not any(getattr(p, "topic", None) == deadletter for p in broker.publishers):
        broker.publisher(
            deadletter,
            title=deadletter,
            description="Events this service could not use, with the reason in x-… headers "
            "and every BSN masked.",
        )
    return broker.subscriber(
        *(settings.topic(t) for t in topics),
        group_id=group_id,
        batch=True,
        max_records=settings.consumer_max_records,
        batch_timeout_ms=settings.consumer_batch_timeout_ms,
        max_partition_fetch_bytes=settings.consumer_max_partition_fetch_bytes,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        parser=parse_tolerant,
        decoder=decode_incoming,
        title=title,
        description=description,
    )


def group_id(settings: ServiceSettings, name: str) -> str:
    """Consumer group ids are prefixed like topics, so tests never share a group."""
    return f"{settings.topic_prefix}{settings.service_name}.{name}"
