"""kill -9 the registry right after it acknowledged registrations: every one is published."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import urllib.request
from pathlib import Path

from contracts import create_topics
from ketenkit.local_kafka import free_port
from tests.helpers import eventually_sync, read_topic, start_service, topic_size

REGISTRATIONS = 40


def register(port: int, n: int) -> str:
    body = {
        "municipality_codes": ["GM0344"],
        "role": "backup",
        "berichtgever": {"name": "Utrecht", "kind": "gemeente"},
        "contact": {"name": f"Contact {n}", "email": f"c{n}@utrecht.nl"},
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/registrations",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return str(json.loads(response.read())["contact_id"])


def test_kill_9_after_acknowledged_registrations_loses_none(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    prefix, port = "k9r.", free_port()
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=prefix))
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": prefix,
        "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        "KETENMONITOR_ADMIN_TOKEN": "g" * 40,
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_OUTBOX_POLL_SECONDS": "5",
    }  # a slow relay leaves rows for the crash

    process = start_service("registry", env, port)
    acknowledged = [register(port, n) for n in range(REGISTRATIONS)]
    process.send_signal(signal.SIGKILL)
    process.wait()
    process = start_service("registry", env, port)  # drains what the crash left in the outbox
    topic = prefix + "registry.contacts.v1"
    try:
        eventually_sync(
            lambda: asyncio.run(topic_size(kafka_bootstrap, topic)) >= REGISTRATIONS,
            timeout=60,
            interval=0.5,
            message="every registration published",
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    records = asyncio.run(read_topic(kafka_bootstrap, topic, count=REGISTRATIONS))
    assert {r.key.decode() for r in records} == set(acknowledged)
    by_id: dict[bytes, set[bytes]] = {}
    for record in records:
        by_id.setdefault(dict(record.headers)["ce_id"], set()).add(record.value)
    assert all(len(values) == 1 for values in by_id.values())  # a repeat is the same event
