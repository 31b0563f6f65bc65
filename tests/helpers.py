"""Helpers for tests: waiting on conditions and reading topics back from the real broker."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from ketenkit.local_kafka import die_with_parent

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T | None]] | Callable[[], T | None],
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str = "condition",
) -> T:
    """Poll ``check`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result: Any = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not reached within {timeout}s")
        await asyncio.sleep(interval)


async def read_topic(
    bootstrap: str, topic: str, *, count: int, timeout: float = 30.0, **login: Any
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``count`` records of ``topic`` from the beginning (fails when fewer arrive).

    ``login``: aiokafka's SASL arguments, for a broker with ACLs.
    """
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **login,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
    finally:
        await consumer.stop()
    assert len(records) >= count, f"{topic}: expected {count} records, got {len(records)}"
    return records


async def topic_size(bootstrap: str, topic: str, **login: Any) -> int:
    """How many records ``topic`` holds (sum of its partitions' end offsets).

    ``login``: aiokafka's SASL arguments, for a broker with ACLs.
    """
    from aiokafka import TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **login)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, **login)
    await consumer.start()
    try:
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


def eventually_sync(
    check: Callable[[], Any],
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str = "condition",
) -> Any:
    """Like :func:`eventually`, for synchronous tests (e.g. with a TestClient)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not reached within {timeout}s")
        time.sleep(interval)  # polling with a deadline


def ready_status(port: int) -> int:
    """The HTTP status of a service's /health/ready (0 when it does not answer)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def start_service(
    name: str, env: dict[str, str], port: int, *, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Run ``python -m <name>`` with ``env`` and wait until it reports ready on ``port``."""
    # Dev mode keeps local state (the pseudonym key) under its data dir: never the repository's.
    assert name != "ingest" or {"KETENMONITOR_DATA_DIR", "KETENMONITOR_PSEUDONYM_KEY"} & set(env), (
        "a test's ingest needs KETENMONITOR_DATA_DIR (or a key) beside its database"
    )
    output = log.open("ab") if log else subprocess.DEVNULL
    # Started from the session's main thread; dies with the test run, even a killed one.
    process = subprocess.Popen(
        [sys.executable, "-m", name],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )
    eventually_sync(
        lambda: ready_status(port) == 200, timeout=60, interval=0.2, message=f"{name} ready"
    )
    return process


#: Shift of a test's persons and the quarter they are delivered for (see after_the_demo).
AFTER_THE_DEMO_DAYS = 548
AFTER_THE_DEMO_QUARTER = "2026-Q3"


def after_the_demo(person: Any) -> Any:
    """A demo person with every date 548 days later: its obligation starts after 2025-06-30 (the
    demo's ground truth looks no later), every date lies by 2026-07-02 (deliver it for 2026-Q3).
    Tests that share the session's stack with the demo thus stay out of its figures."""
    import dataclasses
    from datetime import date, timedelta

    changes = {
        f.name: getattr(person, f.name) + timedelta(days=AFTER_THE_DEMO_DAYS)
        for f in dataclasses.fields(person)
        if isinstance(getattr(person, f.name), date)
    }
    return dataclasses.replace(person, **changes)


def delete_topics(bootstrap: str, prefix: str, *, timeout: float = 30.0) -> list[str]:
    """Delete the topics whose names start with ``prefix``; return their names."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = [n for n in admin.list_topics(timeout=timeout).topics if n.startswith(prefix)]
    if not names:
        return []
    for future in admin.delete_topics(names, operation_timeout=timeout).values():
        future.result(timeout=timeout)
    return names


def received(url: str) -> float:
    """Records a service's consumers have taken in (FastStream counts them before the handler),
    from its ``/metrics`` at ``url``."""
    import urllib.request

    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("faststream_received_messages_total{")
    )
