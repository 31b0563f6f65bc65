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
from ketenkit.local_kafka import free_ports
from tests.helpers import eventually_sync, read_topic, start_service, topic_size
from tests.linkage_events import coa, duo, municipal, pseudonym

from .conftest import ADMIN_TOKEN, send
from .test_crash import start

PERSONS = 300


def _env(kafka_bootstrap: str, unique: str, database_url: str, port: int) -> dict[str, str]:
    """One linkage instance's environment: the shared topics, group and database."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": unique,
        "KETENMONITOR_DATABASE_URL": database_url,
        "KETENMONITOR_ADMIN_TOKEN": ADMIN_TOKEN,
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_CONSUMER_MAX_RECORDS": "50",
    }


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
    ports = free_ports(2)
    processes = []
    try:
        for port in ports:
            env = _env(kafka_bootstrap, unique, database_url, port)
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


def _applied(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith('linkage_events_total{outcome="applied"')
    )


@pytest.mark.parametrize("leave", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_instance_leaving_mid_stream_hands_its_partitions_over(
    kafka_bootstrap: str, unique: str, database_url: str, leave: signal.Signals, tmp_path: Path
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    first, second = [], []
    for n in range(PERSONS):
        p = pseudonym(9500 + n)
        first += [
            duo(p, f"v{n}", "vastgesteld", doelgroep="asielstatushouder"),
            municipal(p, f"m{n}", doelgroep="asielstatushouder"),
            coa(p, f"c{n}"),
        ]
        second.append(duo(p, f"e{n}", "examen_uitslag"))
    ports = free_ports(2)
    processes = []
    out = unique + "monitoring.records.v1"
    try:
        for port in ports:
            env = _env(kafka_bootstrap, unique, database_url, port)
            processes.append(start_service("linkage", env, port, log=tmp_path / f"{port}.log"))
        send(kafka_bootstrap, unique, first)
        eventually_sync(
            lambda: all(_applied(port) > 0 for port in ports),
            timeout=60,
            interval=0.2,
            message="both instances at work",
        )
        leaving = processes.pop(0)
        leaving.send_signal(leave)
        leaving.wait(60)
        send(kafka_bootstrap, unique, second)  # half of it on partitions the leaver had

        def complete() -> int:
            size = asyncio.run(topic_size(kafka_bootstrap, out))
            messages = asyncio.run(read_topic(kafka_bootstrap, out, count=size)) if size else []
            return len({m.key for m in messages if json.loads(m.value)["examens_behaald"]})

        eventually_sync(
            lambda: complete() == PERSONS,
            timeout=120,
            interval=0.5,
            message="every person's exam linked by the instance that stayed",
        )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    messages = asyncio.run(
        read_topic(kafka_bootstrap, out, count=asyncio.run(topic_size(kafka_bootstrap, out)))
    )
    contents: dict[tuple[bytes, int], set[str]] = {}
    for message in messages:
        record = json.loads(message.value)
        contents.setdefault((message.key, record["version"]), set()).add(message.value.decode())
    # How many versions a person gets depends on how events fall into batches (the exam may
    # arrive with the first events); what one instance guarantees, the hand-over must too:
    # versions 1..n without gaps, a repeated version (same event id) never with other content,
    # and the last version holds everything.
    assert all(len(values) == 1 for values in contents.values())
    versions: dict[bytes, list[int]] = {}
    for key, version in sorted(contents):
        versions.setdefault(key, []).append(version)
    assert len(versions) == PERSONS
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())
    for key, v in versions.items():
        (last,) = contents[(key, v[-1])]
        record = json.loads(last)
        assert record["examens_behaald"] == ["lezen"]
        assert record["datum_koppeling"] == "2024-02-01"
