"""Two linkage instances in one group on one PostgreSQL give the records one instance gives."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import urllib.request
from pathlib import Path

import pytest

from contracts import create_topics
from ketenkit.local_kafka import free_port
from tests.helpers import eventually_sync, read_topic, topic_size
from tests.linkage_events import coa, duo, municipal, pseudonym

from .conftest import ADMIN_TOKEN, send
from .test_crash import start

PERSONS = 300


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_instances_split_the_work_and_agree(
    kafka_bootstrap: str, unique: str, database_url: str, tmp_path: Path
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    events = []
    for n in range(PERSONS):
        p = pseudonym(9000 + n)
        events += [
            duo(p, f"v{n}", "vastgesteld", doelgroep="asielstatushouder"),
            municipal(p, f"m{n}", doelgroep="asielstatushouder"),
            coa(p, f"c{n}"),
        ]
    ports = [free_port(), free_port()]
    processes = []
    try:
        for port in ports:
            env = {
                **os.environ,
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "KETENMONITOR_TOPIC_PREFIX": unique,
                "KETENMONITOR_DATABASE_URL": database_url,
                "KETENMONITOR_ADMIN_TOKEN": ADMIN_TOKEN,
                "KETENMONITOR_HTTP_PORT": str(port),
                "KETENMONITOR_CONSUMER_MAX_RECORDS": "50",
            }
            processes.append(start(env, port))
        send(kafka_bootstrap, unique, events)
        out = unique + "monitoring.records.v1"
        eventually_sync(
            lambda: asyncio.run(topic_size(kafka_bootstrap, out)) >= PERSONS,
            timeout=120,
            interval=0.5,
            message="every person emitted",
        )
        for port in ports:  # both instances did part of the work
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
                assert 'linkage_events_total{outcome="applied"' in response.read().decode()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    messages = asyncio.run(read_topic(kafka_bootstrap, out, count=PERSONS))
    assert len({m.key for m in messages}) == PERSONS
    assert {json.loads(m.value)["version"] for m in messages} == {1}
    assert asyncio.run(topic_size(kafka_bootstrap, out)) == PERSONS  # nothing twice
    assert all(json.loads(m.value)["datum_koppeling"] == "2024-02-01" for m in messages)
