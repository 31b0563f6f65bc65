"""kill -9 mid-stream: after a restart nothing is lost and no version is reused."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from contracts import create_topics
from ketenkit.local_kafka import free_port
from tests.helpers import eventually_sync, read_topic, start_service, topic_size
from tests.linkage_events import duo, municipal, pseudonym

from .conftest import ADMIN_TOKEN, send

PERSONS = 400


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return start_service("linkage", env, port)


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_stop_mid_stream_loses_nothing(
    kafka_bootstrap: str, unique: str, tmp_path: Path, stop: signal.Signals
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": unique,
        "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'linkage.db'}",
        "KETENMONITOR_ADMIN_TOKEN": ADMIN_TOKEN,
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_CONSUMER_MAX_RECORDS": "50",
    }
    events = []
    for n in range(PERSONS):
        p = pseudonym(5000 + n)
        events += [
            duo(p, f"v{n}", "vastgesteld"),
            municipal(p, f"m{n}", leerroute="b1", datum_eerste_pip="2024-04-01"),
            duo(p, f"e{n}", "examen_uitslag"),
        ]
    out = unique + "monitoring.records.v1"
    process = start(env, port)
    try:
        send(kafka_bootstrap, unique, events)
        eventually_sync(
            lambda: asyncio.run(topic_size(kafka_bootstrap, out)) > 50,
            timeout=60,
            message="some records out",
        )
        process.send_signal(stop)
        process.wait(60)
        process = start(env, port)
        eventually_sync(
            lambda: asyncio.run(_complete(kafka_bootstrap, out)) == PERSONS,
            timeout=120,
            interval=0.5,
            message="every person complete after the restart",
        )
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    messages = asyncio.run(
        read_topic(kafka_bootstrap, out, count=asyncio.run(topic_size(kafka_bootstrap, out)))
    )
    seen: dict[tuple[bytes, bytes], set[bytes]] = defaultdict(set)
    for message in messages:
        record = json.loads(message.value)
        seen[(message.key, dict(message.headers)["ce_sequence"])].add(
            json.dumps(record, sort_keys=True).encode()
        )
    assert all(len(contents) == 1 for contents in seen.values()), (
        "a version was reused for other content"
    )
    latest: dict[bytes, dict[str, object]] = {}
    for message in messages:
        record = json.loads(message.value)
        if message.key not in latest or record["version"] > latest[message.key]["version"]:
            latest[message.key] = record
    assert len(latest) == PERSONS
    assert all(r["examens_behaald"] == ["lezen"] for r in latest.values()), "an event was lost"


async def _complete(bootstrap: str, topic: str) -> int:
    size = await topic_size(bootstrap, topic)
    messages = await read_topic(bootstrap, topic, count=size) if size else []
    done = {
        m.key for m in messages if m.value and json.loads(m.value)["examens_behaald"] == ["lezen"]
    }
    return len(done)
