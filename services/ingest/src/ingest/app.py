"""Composition root of the ingest service: the only place that wires concrete parts together."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from contracts import (
    CoaRecord,
    DeliveryEvent,
    DuoRecord,
    MunicipalRecord,
    Pseudonymiser,
    StatsRecord,
)
from contracts.topics import (
    INGEST_DELIVERIES,
    RECORDS_COA,
    RECORDS_DUO,
    RECORDS_MUNICIPAL,
    RECORDS_STATS,
)
from ingest.adapters.keys import check_fingerprint, dev_key
from ingest.adapters.tables import TABLES
from ingest.config import Settings
from ingest.domain.feeds import pseudonym_of_key
from ingest.entrypoints.guidelines import build_router as guidelines_router
from ingest.entrypoints.http import build_router
from ingest.entrypoints.kafka import register_subscribers
from ingest.metrics import IngestMetrics
from ingest.service.deliveries import Deliveries
from ingest.service.delivery_context import DeliveryContext, Topics
from ingest.service.feeds import FeedProcessor, FeedTopics
from ingest.service.unit_of_work import SqlDeliveryStore
from ketenkit import ServiceRuntime, create_http_app
from ketenkit.rate_limit import RateLimiter

TITLE = "Ketenmonitor ingest"
DESCRIPTION = "Municipal deliveries over HTTP; validates and pseudonymises the partners' feeds."


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing is started until its lifespan runs."""
    settings = settings or Settings()
    key = settings.pseudonym_key
    pseudonymiser = Pseudonymiser.from_text(
        key.get_secret_value() if key is not None else dev_key(settings.data_dir)
    )
    registry = CollectorRegistry()
    metrics = IngestMetrics(registry)

    feed_topics = FeedTopics.with_prefix(settings.topic_prefix)

    def count_dead_letter(topic: str, code: str) -> None:
        feed = feed_topics.feeds.get(topic)
        metrics.deadletters.labels(feed.name if feed else "registry", code).inc()

    runtime = ServiceRuntime.create(
        settings,
        tables=TABLES,
        registry=registry,
        on_dead_letter=count_dead_letter,
        key_for=lambda record: pseudonym_of_key(pseudonymiser, record.key),
    )
    runtime.before_consuming.append(
        lambda: check_fingerprint(
            runtime.db, pseudonymiser.fingerprint, rekey=settings.pseudonym_rekey
        )
    )
    t = settings.topic
    for topic, schema, text in (
        (t(RECORDS_MUNICIPAL.name), MunicipalRecord, "Released municipal rows, pseudonymised."),
        (t(RECORDS_COA.name), CoaRecord, "Validated COA facts, pseudonymised."),
        (t(RECORDS_DUO.name), DuoRecord, "Validated DUO facts, pseudonymised."),
        (t(RECORDS_STATS.name), StatsRecord, "Validated monthly socio-economic categories."),
        (
            t(INGEST_DELIVERIES.name),
            DeliveryEvent,
            "Steps of municipal deliveries (received, validated, released, superseded, "
            "rejected). Published through the outbox.",
        ),
    ):
        runtime.broker.publisher(topic, title=topic, description=text, schema=schema)
    feeds = FeedProcessor(
        broker=runtime.broker,
        pseudonymiser=pseudonymiser,
        metrics=metrics,
        policy=runtime.policy,
        counter=runtime.published,
        topics=feed_topics,
    )
    register_subscribers(runtime, feeds)
    assert settings.admin_token is not None
    deliveries = Deliveries(
        DeliveryContext(
            store=SqlDeliveryStore(runtime.db, notify=runtime.relay.notify),
            pseudonymiser=pseudonymiser,
            topics=Topics(deliveries=t(INGEST_DELIVERIES.name), records=t(RECORDS_MUNICIPAL.name)),
            metrics=metrics,
            retraction_share=settings.retraction_confirm_share,
            max_line=settings.max_line_length,
        ),
        admin_token=settings.admin_token.get_secret_value(),
        validation_wait_seconds=settings.validation_wait_seconds,
        stalled_after_seconds=settings.stalled_validation_seconds,
    )
    runtime.every(settings.overdue_refresh_seconds, deliveries.refresh_overdue, name="overdue")
    runtime.every(
        min(60.0, settings.stalled_validation_seconds / 2),
        deliveries.reject_stalled,
        name="stalled-validations",
    )
    runtime.on_stop.append(deliveries.stop)
    app = create_http_app(
        runtime,
        title=TITLE,
        description=DESCRIPTION,
        routers=[
            build_router(
                deliveries,
                max_upload_bytes=settings.max_upload_bytes,
                dry_runs=RateLimiter(settings.dry_run_rate_per_minute),
            ),
            guidelines_router(),
        ],
        body_limits={"/v1/deliveries": settings.max_upload_bytes},
    )
    return app
