"""How far each consumer is behind, in messages and in time.

``ketenmonitor_consumer_lag_messages{topic,partition}``: the partition's end minus the group's
**committed** offset (what ``kafka-consumer-groups`` shows; a record is done only once its
offset is committed after the handler's transaction). ``ketenmonitor_consumer_lag_seconds``:
how long the committed offset has not moved while records wait behind it, so a stall on a quiet
topic is seen too, not only one with a large backlog.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry, Gauge

logger = logging.getLogger(__name__)


class ConsumerLagMonitor:
    """Samples every assigned partition of the service's consumers (run it periodically)."""

    def __init__(
        self,
        broker: KafkaBroker,
        registry: CollectorRegistry,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._broker = broker
        self._clock = clock
        self._waiting_since: dict[TopicPartition, tuple[int, float]] = {}
        self.gauge = Gauge(
            "ketenmonitor_consumer_lag_messages",
            "Messages between the consumer group's committed offset and the partition's end.",
            ["topic", "partition"],
            registry=registry,
        )
        self.seconds = Gauge(
            "ketenmonitor_consumer_lag_seconds",
            "How long records have waited behind a committed offset that did not move (0 when "
            "caught up).",
            ["topic", "partition"],
            registry=registry,
        )
        self.worst_messages = 0
        self.worst_seconds = 0.0

    def _consumers(self) -> list[AIOKafkaConsumer]:
        found: list[AIOKafkaConsumer] = []
        for subscriber in self._broker.subscribers:
            consumer = getattr(subscriber, "consumer", None)
            if isinstance(consumer, AIOKafkaConsumer):
                found.append(consumer)
        return found

    async def sample(self) -> None:
        now = self._clock()
        worst_messages, worst_seconds = 0, 0.0
        for consumer in self._consumers():
            for tp in consumer.assignment():
                end = consumer.highwater(tp)
                if end is None:
                    continue
                try:
                    committed = await consumer.committed(tp)
                    done = committed if committed is not None else await consumer.position(tp)
                except Exception as exc:  # partition revoked meanwhile: sampled again next time
                    logger.debug("lag_sample_skipped", extra={"error": type(exc).__name__})
                    continue
                behind = max(0, end - done)
                since = self._waiting_since.get(tp)
                if behind == 0:
                    self._waiting_since.pop(tp, None)
                    waited = 0.0
                elif since is None or since[0] != done:  # newly behind, or it moved on
                    self._waiting_since[tp] = (done, now)
                    waited = 0.0
                else:
                    waited = now - since[1]
                self.gauge.labels(tp.topic, str(tp.partition)).set(behind)
                self.seconds.labels(tp.topic, str(tp.partition)).set(waited)
                worst_messages = max(worst_messages, behind)
                worst_seconds = max(worst_seconds, waited)
        self.worst_messages, self.worst_seconds = worst_messages, worst_seconds
