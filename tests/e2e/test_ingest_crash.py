"""kill -9 ingest while it forwards feed events: after a restart every event is forwarded."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from contracts import create_topics
from ketenkit.local_kafka import free_port
from ketentools.bench import feed_events
from ketentools.population import generate
from ketentools.simulate import publish_feed
from tests.helpers import eventually_sync, read_topic, start_service, topic_size


def test_kill_9_ingest_mid_feed_loses_nothing(kafka_bootstrap: str, tmp_path: Path) -> None:
    prefix = "k9i."
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=prefix))
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": prefix,
        "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ingest.db'}",
        "KETENMONITOR_DATA_DIR": str(tmp_path),
        "KETENMONITOR_ADMIN_TOKEN": "i" * 40,
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_CONSUMER_MAX_RECORDS": "100",
    }
    events = [
        (t, e, k) for t, e, k in feed_events(generate(scale=0.02, seed=5, cohorts=(2024,)), "")
    ]
    out_topics = [prefix + f"records.{feed}.v1" for feed in ("coa", "duo", "stats")]
    process = start_service("ingest", env, port)
    try:
        asyncio.run(publish_feed(kafka_bootstrap, prefix, events, rate=0))
        eventually_sync(
            lambda: sum(asyncio.run(topic_size(kafka_bootstrap, t)) for t in out_topics) > 500,
            timeout=60,
            interval=0.2,
            message="some records forwarded",
        )
        process.send_signal(signal.SIGKILL)
        process.wait()
        process = start_service("ingest", env, port)
        eventually_sync(
            lambda: (
                sum(asyncio.run(topic_size(kafka_bootstrap, t)) for t in out_topics) >= len(events)
            ),
            timeout=120,
            interval=0.5,
            message="every event forwarded",
        )
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    ids = set()
    for topic in out_topics:
        size = asyncio.run(topic_size(kafka_bootstrap, topic))
        ids |= {
            dict(r.headers)["ce_id"]
            for r in asyncio.run(read_topic(kafka_bootstrap, topic, count=size))
        }
    assert len(ids) == len(events)  # a crash may repeat a record (same id), never lose one
