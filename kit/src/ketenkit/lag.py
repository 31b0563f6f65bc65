"""``ketenmonitor_consumer_lag_messages{topic,partition}``: how far each consumer is behind."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry, Gauge

logger = logging.getLogger(__name__)


class ConsumerLagMonitor:
    """Samples high-water mark minus position of every assigned partition, periodically.

    Sampled in the background rather than per message, so a stuck handler shows a growing
    lag instead of a stale small one.
    """

    def __init__(self, broker: KafkaBroker, registry: CollectorRegistry, *, every: float) -> None:
        self._broker = broker
        self._every = every
        self._task: asyncio.Task[None] | None = None
        self.gauge = Gauge(
            "ketenmonitor_consumer_lag_messages",
            "Messages between a consumer's position and the partition's end.",
            ["topic", "partition"],
            registry=registry,
        )

    def _consumers(self) -> list[AIOKafkaConsumer]:
        found: list[AIOKafkaConsumer] = []
        for subscriber in self._broker.subscribers:
            consumer = getattr(subscriber, "consumer", None)
            if isinstance(consumer, AIOKafkaConsumer):
                found.append(consumer)
        return found

    async def sample(self) -> None:
        for consumer in self._consumers():
            for tp in consumer.assignment():
                end = consumer.highwater(tp)
                if end is None:
                    continue
                try:
                    position = await consumer.position(tp)
                except Exception as exc:  # partition revoked meanwhile: sampled again next time
                    logger.debug("lag_sample_skipped", extra={"error": type(exc).__name__})
                    continue
                self.gauge.labels(tp.topic, str(tp.partition)).set(max(0, end - position))

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.sample()
            await asyncio.sleep(self._every)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="consumer-lag")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
