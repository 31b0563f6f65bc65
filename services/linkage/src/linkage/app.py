"""Composition root of the linkage service: the only place that wires concrete parts together."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from contracts import MonitoringRecord
from contracts.topics import MONITORING_RECORDS
from ketenkit import ServiceRuntime, create_http_app
from linkage.adapters.tables import TABLES
from linkage.config import Settings
from linkage.entrypoints.http import build_router
from linkage.entrypoints.kafka import register_subscribers
from linkage.metrics import LinkageMetrics
from linkage.service.linking import Linker
from linkage.service.pending import refresh_pending_metrics
from linkage.service.unit_of_work import SqlLinkingStore

TITLE = "Ketenmonitor linkage"
DESCRIPTION = "Joins municipal, COA and DUO records per person; serves the monitor figures."


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing is started until its lifespan runs."""
    settings = settings or Settings()
    registry = CollectorRegistry()
    metrics = LinkageMetrics(registry)
    runtime = ServiceRuntime.create(settings, tables=TABLES, registry=registry)
    topic = settings.topic(MONITORING_RECORDS.name)
    runtime.broker.publisher(
        topic,
        title=topic,
        schema=MonitoringRecord,
        description="The linked record per person (key: pseudonym; compacted); a new version per "
        "change, a tombstone when a record stops being complete.",
    )
    linker = Linker(
        store=SqlLinkingStore(runtime.db, notify=runtime.relay.notify),
        topic=topic,
        metrics=metrics,
        emit=settings.rebuild is None,
    )
    register_subscribers(runtime, linker, rebuild=settings.rebuild)

    async def refresh_pending() -> None:
        await refresh_pending_metrics(runtime.db, metrics, grace_days=settings.pending_grace_days)

    runtime.every(settings.pending_refresh_seconds, refresh_pending, name="pending-metrics")
    runtime.every(
        settings.deadline_sweep_seconds, linker.sweep_deadlines, name="pip-deadline-sweep"
    )
    # Once at start (and then rarely, for rows a busy instance skipped): persons whose monitor
    # columns a previous version wrote are merged again.
    runtime.every(settings.deadline_sweep_seconds, linker.refresh_stale, name="stale-refresh")
    assert settings.admin_token is not None
    reader = settings.reader_token
    router = build_router(
        runtime.db,
        admin_token=settings.admin_token.get_secret_value(),
        reader_token=reader.get_secret_value() if reader is not None else None,
    )
    return create_http_app(
        runtime,
        title=TITLE,
        description=DESCRIPTION,
        routers=[router],
    )
