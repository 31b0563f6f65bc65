"""The parts one service runs on, built in its composition root, and the HTTP app around them."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from sqlmodel import SQLModel

from contracts import create_topics
from contracts.topics import DEADLETTER
from ketenkit.broker import make_broker
from ketenkit.db import Database
from ketenkit.deadletter import DeadLetterPolicy, KeyFor, safe_key
from ketenkit.dedup import ProcessedEvent
from ketenkit.degraded import Degradation, Limits
from ketenkit.health import health_router
from ketenkit.lag import ConsumerLagMonitor
from ketenkit.limits import BodySizeLimit
from ketenkit.loops import Job, run_every
from ketenkit.outbox import OutboxRelay, OutboxRow
from ketenkit.problems import install_problem_handlers
from ketenkit.settings import ServiceSettings
from ketenkit.tracing import instrument_app, setup_tracing, shutdown_tracing

logger = logging.getLogger(__name__)
Hook = Callable[[], Awaitable[None]]


@dataclass
class ServiceRuntime:
    """Broker, database, outbox relay, lag monitor and metrics registry of one service."""

    settings: ServiceSettings
    registry: CollectorRegistry
    policy: DeadLetterPolicy
    broker: KafkaBroker
    db: Database
    relay: OutboxRelay
    lag: ConsumerLagMonitor
    degradation: Degradation
    tables: Sequence[type[SQLModel]]
    published: Counter
    before_consuming: list[Hook] = field(default_factory=list)
    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)
    background: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        settings: ServiceSettings,
        *,
        tables: Sequence[type[SQLModel]] = (),
        key_for: KeyFor = safe_key,
        on_dead_letter: Callable[[str, str], None] | None = None,
        registry: CollectorRegistry | None = None,
    ) -> ServiceRuntime:
        registry = registry or CollectorRegistry()
        counted = Counter(
            "ketenmonitor_deadletters_total",
            "Events this service sent to deadletter.v1 after its retries, by topic and reason.",
            ["topic", "reason"],
            registry=registry,
        )

        published = Counter(
            "ketenmonitor_published_messages_total",
            "Messages this service published and Kafka acknowledged, by topic.",
            ["topic"],
            registry=registry,
        )

        def dead_lettered(topic: str, code: str) -> None:
            counted.labels(topic, code).inc()
            if on_dead_letter is not None:
                on_dead_letter(topic, code)

        policy = DeadLetterPolicy(
            failed_by=settings.service_name,
            max_retries=settings.handler_max_retries,
            backoff_seconds=settings.handler_backoff_seconds,
            backoff_max_seconds=settings.handler_backoff_max_seconds,
            deadletter_topic=settings.topic(DEADLETTER.name),
            key_for=key_for,
            on_dead_letter=dead_lettered,
            counter=published,
        )
        broker = make_broker(settings, registry=registry, policy=policy)
        db = Database(settings.database_url)
        lag = ConsumerLagMonitor(broker, registry)
        runtime = cls(
            settings=settings,
            registry=registry,
            policy=policy,
            broker=broker,
            db=db,
            relay=OutboxRelay(
                db, broker, poll_seconds=settings.outbox_poll_seconds, counter=published
            ),
            published=published,
            lag=lag,
            degradation=Degradation(
                settings.service_name,
                db,
                lag,
                registry,
                Limits(
                    outbox_seconds=settings.outbox_stall_seconds,
                    lag_messages=settings.lag_degraded_messages,
                    lag_seconds=settings.lag_degraded_seconds,
                ),
            ),
            tables=[*tables, ProcessedEvent, OutboxRow],
        )
        runtime.every(settings.lag_poll_seconds, runtime.degradation.refresh, name="health")
        return runtime

    def every(self, seconds: float, job: Job, *, name: str, first_delay: float = 0.0) -> None:
        """Run ``job`` every ``seconds`` while the service runs (failures logged, see loops)."""

        async def start() -> None:
            loop = run_every(seconds, job, name=name, first_delay=first_delay)
            self.background.append(asyncio.create_task(loop, name=name))

        self.on_start.append(start)

    async def start(self) -> None:
        """Tables, checks, topics, broker; then drain what a previous run left in the outbox."""
        setup_tracing(self.settings.service_name)
        await self.db.create_tables(self.tables)
        for check in self.before_consuming:
            await check()
        await create_topics(
            self.settings.kafka_bootstrap_servers,
            name_prefix=self.settings.topic_prefix,
            **self.settings.topic_options(),
            **self.settings.kafka_client_options(),
        )
        await self.broker.start()
        await self.relay.drain()
        self.relay.start()
        for hook in self.on_start:
            await hook()
        logger.info("service_started", extra={"service": self.settings.service_name})

    async def stop(self) -> None:
        """Stop consuming first (in-flight batches finish and commit), then flush the outbox.

        Within ``shutdown_seconds`` in all: a broker that hangs would keep the producer waiting
        for acknowledgements for ever. What was not published stays in the outbox, and offsets
        not committed are read again, so giving up loses nothing.
        """
        deadline = asyncio.get_running_loop().time() + self.settings.shutdown_seconds
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        self.background.clear()
        for hook in reversed(self.on_stop):
            await self._before(deadline, hook(), "stop_hook")
        await self._before(deadline, self.broker.stop(), "broker")
        await self._before(deadline, self.relay.stop(), "outbox")
        await self.db.dispose()
        shutdown_tracing()
        logger.info("service_stopped", extra={"service": self.settings.service_name})

    async def _before(self, deadline: float, step: Awaitable[None], name: str) -> None:
        remaining = max(0.1, deadline - asyncio.get_running_loop().time())
        try:
            await asyncio.wait_for(step, remaining)
        except TimeoutError:
            logger.error(
                "shutdown_step_abandoned",
                extra={"step": name, "after_seconds": self.settings.shutdown_seconds},
            )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ServiceRuntime]:
        await self.start()
        try:
            yield self
        finally:
            await self.stop()

    def asyncapi(self, title: str, version: str, description: str) -> dict[str, Any]:
        spec = AsyncAPI(self.broker, title=title, version=version, description=description)
        document: dict[str, Any] = json.loads(spec.to_specification().to_json())
        return document


def create_http_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    version: str = "0.1.0",
    routers: Sequence[APIRouter] = (),
    max_body_bytes: int = 64 * 1024,
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """FastAPI app whose lifespan runs the service; health, metrics, OpenAPI and AsyncAPI too."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    instrument_app(app)
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, default=max_body_bytes, per_prefix=body_limits)
    app.include_router(
        health_router(
            {"kafka": lambda: runtime.broker.ping(2.0), "database": runtime.db.ping},
            degraded=lambda: runtime.degradation.reasons,
        )
    )
    for router in routers:
        app.include_router(router)

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics (text format)")
    async def metrics() -> Response:
        return Response(generate_latest(runtime.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.json", tags=["docs"], summary="AsyncAPI document of this service's topics")
    async def asyncapi() -> Response:
        document = runtime.asyncapi(title, version, description)
        return Response(json.dumps(document), media_type="application/json")

    app.state.runtime = runtime
    return app
