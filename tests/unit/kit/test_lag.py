"""Consumer lag is measured against the committed offsets, and in time."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from ketenkit.lag import ConsumerLagMonitor

TP = TopicPartition("records.duo.v1", 2)


class Consumer(AIOKafkaConsumer):  # type: ignore[misc]
    """Offsets as the broker would report them; nothing is connected."""

    def __init__(self) -> None:
        super().__init__(bootstrap_servers="127.0.0.1:1")
        self.end, self.done, self.read = 100, 40, 90

    def assignment(self) -> set[TopicPartition]:
        return {TP}

    def highwater(self, tp: TopicPartition) -> int:
        return self.end

    async def committed(self, tp: TopicPartition) -> int:
        return self.done

    async def position(self, tp: TopicPartition) -> int:
        return self.read  # fetched ahead of what was processed and committed


class Subscriber:
    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer


class Broker:
    def __init__(self, consumer: Consumer) -> None:
        self.subscribers = [Subscriber(consumer)]


def value(registry: CollectorRegistry, name: str) -> float | None:
    return registry.get_sample_value(name, {"topic": TP.topic, "partition": str(TP.partition)})


async def test_lag_counts_from_the_committed_offset_and_a_stall_shows_in_seconds() -> None:
    consumer = Consumer()
    clock = [1000.0]
    registry = CollectorRegistry()
    monitor = ConsumerLagMonitor(Broker(consumer), registry, clock=lambda: clock[0])  # type: ignore[arg-type]
    await monitor.sample()
    assert value(registry, "ketenmonitor_consumer_lag_messages") == 60  # 100 - 40, not 100 - 90
    assert value(registry, "ketenmonitor_consumer_lag_seconds") == 0
    clock[0] += 120  # nothing committed meanwhile: a stall, however small the backlog
    await monitor.sample()
    assert value(registry, "ketenmonitor_consumer_lag_seconds") == 120
    assert (monitor.worst_messages, monitor.worst_seconds) == (60, 120)
    consumer.done = 70  # it moved on: the clock starts again
    clock[0] += 30
    await monitor.sample()
    assert value(registry, "ketenmonitor_consumer_lag_seconds") == 0
    consumer.done = consumer.end  # caught up
    clock[0] += 600
    await monitor.sample()
    assert value(registry, "ketenmonitor_consumer_lag_messages") == 0
    assert value(registry, "ketenmonitor_consumer_lag_seconds") == 0
    await consumer.stop()
