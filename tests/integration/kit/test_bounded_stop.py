"""A service stops within its shutdown limit even when the broker no longer answers.

A broker that hangs (out of file descriptors, paused, partitioned away) leaves the producer
with batches it can never deliver; aiokafka's stop then waits for them for ever. The outbox
keeps what was not published, so giving up on the broker at shutdown loses nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from ketenkit import ServiceRuntime, ServiceSettings
from ketenkit.local_kafka import LocalKafka
from ketenkit.messages import _aiokafka_producer


async def test_stop_gives_up_on_a_broker_that_hangs(tmp_path: Path) -> None:
    with LocalKafka() as kafka:
        settings = ServiceSettings(
            service_name="stopper",
            kafka_bootstrap_servers=kafka.bootstrap,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'stop.db'}",
            shutdown_seconds=3,
        )
        runtime = ServiceRuntime.create(settings, tables=[])
        await runtime.start()
        assert kafka.process is not None
        os.kill(kafka.process.pid, signal.SIGSTOP)
        try:
            producer = _aiokafka_producer(runtime.broker)
            assert producer is not None
            await producer.send("registry.contacts.v1", b"never acknowledged", key=b"k")
            started = time.monotonic()
            await asyncio.wait_for(runtime.stop(), timeout=60)
            assert time.monotonic() - started < 20
        finally:
            os.kill(kafka.process.pid, signal.SIGCONT)
