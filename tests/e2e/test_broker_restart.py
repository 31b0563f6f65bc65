"""The broker goes away mid-stream and comes back: readiness says so, nothing is lost."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

from contracts import create_topics
from ketenkit.local_kafka import LocalKafka, free_port
from tests.helpers import eventually_sync, read_topic, ready_status, start_service, topic_size
from tests.integration.linkage.conftest import send
from tests.linkage_events import duo, municipal, pseudonym

PERSONS = 200


def test_linkage_survives_a_broker_restart(tmp_path: Path) -> None:
    kafka = LocalKafka(port=free_port(), data_dir=tmp_path / "kafka")
    bootstrap = kafka.start()
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": "r.",
        "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'linkage.db'}",
        "KETENMONITOR_ADMIN_TOKEN": "r" * 40,
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_CONSUMER_MAX_RECORDS": "50",
    }
    process = None
    try:
        asyncio.run(create_topics(bootstrap, name_prefix="r."))
        process = start_service("linkage", env, port)
        first = [
            e
            for n in range(PERSONS // 2)
            for e in (duo(pseudonym(n), f"v{n}", "vastgesteld"), municipal(pseudonym(n), f"m{n}"))
        ]
        send(bootstrap, "r.", first)
        kafka.stop()  # the data folder is ours, so it survives
        eventually_sync(
            lambda: ready_status(port) == 503,
            timeout=60,
            interval=0.5,
            message="not ready while the broker is away",
        )
        kafka.start()
        eventually_sync(
            lambda: ready_status(port) == 200,
            timeout=120,
            interval=0.5,
            message="ready again after the broker returned",
        )
        second = [
            e
            for n in range(PERSONS // 2, PERSONS)
            for e in (duo(pseudonym(n), f"v{n}", "vastgesteld"), municipal(pseudonym(n), f"m{n}"))
        ]
        send(bootstrap, "r.", second)
        out = "r.monitoring.records.v1"
        eventually_sync(
            lambda: asyncio.run(topic_size(bootstrap, out)) >= PERSONS,
            timeout=120,
            interval=0.5,
            message="every person emitted",
        )
        records = asyncio.run(read_topic(bootstrap, out, count=PERSONS))
        assert len({r.key for r in records}) == PERSONS
        assert {json.loads(r.value)["version"] for r in records} == {1}
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        kafka.stop()
