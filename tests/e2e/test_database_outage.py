"""PostgreSQL goes away under linkage: it holds its offsets, reports not-ready, then catches up."""

from __future__ import annotations

import asyncio
import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts import create_topics
from ketenkit.local_kafka import free_port
from tests.helpers import (
    eventually_sync,
    read_topic,
    ready_status,
    received,
    start_service,
    topic_size,
)
from tests.integration.linkage.conftest import send
from tests.linkage_events import duo, municipal, pseudonym

PERSONS = 150
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1:] or [""]
PG_CTL = Path(BIN[0]) / "pg_ctl"


def as_postgres(command: list[str]) -> None:
    prefix = [] if os.getuid() != 0 else ["su", "postgres", "-c"]
    full = [*prefix, " ".join(command)] if prefix else command
    subprocess.run(full, check=True, capture_output=True, timeout=60)


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, str]]:
    """A PostgreSQL server of this test's own, so stopping it disturbs no other test."""
    if not PG_CTL.exists() or (os.getuid() == 0 and shutil.which("su") is None):
        pytest.skip("PostgreSQL server binaries are not installed (.ci/run installs them)")
    folder = Path(tempfile.mkdtemp(prefix="pg-outage-"))
    folder.chmod(0o777)
    data, port = folder / "data", free_port()
    if os.getuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    as_postgres([str(Path(BIN[0]) / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
    start = [
        str(PG_CTL),
        "-D",
        str(data),
        "-o",
        f"'-p {port} -k {folder} -h 127.0.0.1'",
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    ]
    as_postgres(start)
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres", " ".join(start)
    finally:
        subprocess.run(
            (["su", "postgres", "-c"] if os.getuid() == 0 else [])
            + [f"{PG_CTL} -D {data} -m immediate stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_linkage_waits_for_its_database_and_catches_up(
    kafka_bootstrap: str, own_postgres: tuple[str, str]
) -> None:
    url, start_command = own_postgres
    data = start_command.split(" -D ")[1].split(" ")[0]
    prefix, port = "pgo.", free_port()
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=prefix))
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": prefix,
        "KETENMONITOR_DATABASE_URL": url,
        "KETENMONITOR_ADMIN_TOKEN": "p" * 40,
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_HANDLER_BACKOFF_MAX_SECONDS": "1",
    }
    process = start_service("linkage", env, port)
    out = prefix + "monitoring.records.v1"
    try:
        half = PERSONS // 2
        send(
            kafka_bootstrap,
            prefix,
            [
                e
                for n in range(half)
                for e in (
                    duo(pseudonym(n), f"v{n}", "vastgesteld"),
                    municipal(pseudonym(n), f"m{n}"),
                )
            ],
        )
        eventually_sync(
            lambda: asyncio.run(topic_size(kafka_bootstrap, out)) >= half,
            timeout=60,
            interval=0.3,
            message="first half linked",
        )
        as_postgres([str(PG_CTL), "-D", data, "-m", "fast", "-w", "stop"])
        eventually_sync(
            lambda: ready_status(port) == 503, timeout=60, interval=0.5, message="not ready"
        )
        send(
            kafka_bootstrap,
            prefix,
            [
                e
                for n in range(half, PERSONS)
                for e in (
                    duo(pseudonym(n), f"v{n}", "vastgesteld"),
                    municipal(pseudonym(n), f"m{n}"),
                )
            ],
        )
        before = received(f"http://127.0.0.1:{port}")
        eventually_sync(
            lambda: received(f"http://127.0.0.1:{port}") > before,
            timeout=60,
            interval=0.5,
            message="the second half reached linkage",
        )
        assert asyncio.run(topic_size(kafka_bootstrap, out)) == half  # nothing without its database
        as_postgres(start_command.split(" "))
        eventually_sync(
            lambda: ready_status(port) == 200, timeout=60, interval=0.5, message="ready again"
        )
        eventually_sync(
            lambda: asyncio.run(topic_size(kafka_bootstrap, out)) >= PERSONS,
            timeout=120,
            interval=0.5,
            message="caught up",
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    records = asyncio.run(read_topic(kafka_bootstrap, out, count=PERSONS))
    assert len({r.key for r in records}) == PERSONS
    assert {json.loads(r.value)["version"] for r in records} == {1}
    assert asyncio.run(topic_size(kafka_bootstrap, out)) == PERSONS
