"""kill -9 ingest in the middle of a release: afterwards every released row is published once.

A release is one transaction (claim the delivery, one outbox row per record); the relay
publishes from the outbox. Killed while the request is in flight, the release either committed
(the restarted ingest drains the outbox) or did not (the contact releases again); killed right
after the acknowledgement, the relay had not finished publishing. In each case the topic ends
with exactly the delivery's valid rows, under the same event ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from contracts import create_topics
from ketenkit.local_kafka import free_ports
from ketentools.demo import QUARTER, call, csv_for, demo_people, register_contact, validated
from tests.helpers import eventually_sync, read_topic, start_service, topic_size

MUNICIPALITY = "GM0344"
PEOPLE = 3000  # rows of the delivery: releasing them takes long enough to crash into


@pytest.mark.parametrize("moment", ["in-flight", "acknowledged"])
def test_kill_9_ingest_mid_release_publishes_every_row_once(
    kafka_bootstrap: str, unique: str, tmp_path: Path, moment: str
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    admin_token = "r" * 40
    ports = dict(zip(("registry", "ingest"), free_ports(2), strict=True))

    def env(service: str) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "KETENMONITOR_TOPIC_PREFIX": unique,
            "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / service}.db",
            "KETENMONITOR_DATA_DIR": str(tmp_path),
            "KETENMONITOR_ADMIN_TOKEN": admin_token,
            "KETENMONITOR_HTTP_PORT": str(ports[service]),
        }

    def start(service: str) -> subprocess.Popen[bytes]:
        log = tmp_path / f"{service}.log"
        return start_service(service, env(service), ports[service], log=log)

    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    registry, ingest = start("registry"), start("ingest")
    try:
        token = register_contact(urls, admin_token, MUNICIPALITY, role="primary", label="Crash")
        eventually_sync(
            lambda: _ok(lambda: call("GET", f"{urls['ingest']}/v1/deliveries", token)),
            timeout=30,
            interval=0.2,
            message="ingest knows the contact",
        )
        people = [p for p in demo_people(PEOPLE, seed=7) if p.municipality == MUNICIPALITY]
        delivery = call(
            "POST",
            f"{urls['ingest']}/v1/deliveries?municipality={MUNICIPALITY}&quarter={QUARTER}",
            token,
            csv_for(people),
            "text/csv",
            timeout=120,
        )
        delivery = validated(urls["ingest"], delivery, token)
        assert delivery["status"] == "validated"
        valid = int(delivery["counts"]["valid"])
        assert valid > 1000
        release_url = f"{urls['ingest']}/v1/deliveries/{delivery['delivery_id']}/release"
        records = unique + "records.municipal.v1"
        answered = threading.Event()

        def release() -> None:
            # The killed server may drop the connection; only an answer is recorded.
            with contextlib.suppress(Exception):
                call("POST", release_url, token, b"", timeout=60)
                answered.set()

        thread = threading.Thread(target=release, daemon=True)
        thread.start()
        if moment == "in-flight":
            eventually_sync(
                lambda: _connected(ports["ingest"]),
                timeout=30,
                interval=0.005,
                message="the release request reaching ingest",
            )
        else:
            assert answered.wait(60), "the release was not acknowledged"
        ingest.send_signal(signal.SIGKILL)
        ingest.wait()
        thread.join(60)
        ingest = start("ingest")
        # Releasing again is safe: a committed release answers as it is and publishes nothing.
        again = call("POST", release_url, token, b"")
        assert again["status"] == "released"
        eventually_sync(
            lambda: len(_ids(kafka_bootstrap, records)) >= valid,
            timeout=120,
            interval=0.5,
            message="every released row on records.municipal.v1",
        )
    finally:
        for process in (registry, ingest):
            process.send_signal(signal.SIGKILL)
            process.wait()
    ids = _ids(kafka_bootstrap, records)
    assert len(ids) == valid, f"{len(ids)} distinct ids for {valid} rows"
    steps = _delivery_steps(kafka_bootstrap, unique + "ingest.deliveries.v1")
    assert steps.count("nl.ketenmonitor.delivery.released") == 1, steps


def _connected(port: int) -> bool:
    """Some client holds an established TCP connection to ``port`` (the request in flight)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                    return True
    return False


def _ok(check: Any) -> bool:
    try:
        return check() is not None
    except Exception:
        return False


def _ids(bootstrap: str, topic: str) -> set[bytes]:
    size = asyncio.run(topic_size(bootstrap, topic))
    messages = asyncio.run(read_topic(bootstrap, topic, count=size)) if size else []
    return {dict(m.headers)["ce_id"] for m in messages}


def _delivery_steps(bootstrap: str, topic: str) -> list[str]:
    size = asyncio.run(topic_size(bootstrap, topic))
    messages = asyncio.run(read_topic(bootstrap, topic, count=size))
    distinct = {dict(m.headers)["ce_id"]: dict(m.headers)["ce_type"].decode() for m in messages}
    assert all(json.loads(m.value) for m in messages)
    return list(distinct.values())
