"""Shared fixtures: one real Kafka per session, PostgreSQL beside SQLite, markers by folder."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from ketenkit.local_kafka import LocalKafka, kafka_version
from tests.helpers import delete_topics

# Properties are about values, not time: an example that takes long on 2 busy cores is no
# failure (speed is `make bench`'s to judge).
settings.register_profile("ketenmonitor", deadline=None)
settings.load_profile("ketenmonitor")

TESTS = Path(__file__).parent
DEFAULT_POSTGRES_URL = (
    "postgresql+asyncpg://ketenmonitor:ketenmonitor@127.0.0.1:5432/ketenmonitor_test"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        folder = Path(str(item.fspath)).relative_to(TESTS).parts[0]
        if folder in {"unit", "integration", "e2e"}:
            item.add_marker(getattr(pytest.mark, folder))


_FACTS: list[str] = []


def _say(config: pytest.Config, line: str) -> None:
    """Note what the run used (broker, database); printed in the summary of every run."""
    _FACTS.append(line)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FACTS:
        terminalreporter.section("real dependencies used")
        for line in _FACTS:
            terminalreporter.write_line(line)


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    result = subprocess.run(["docker", "info"], capture_output=True, check=False, timeout=10)
    return result.returncode == 0


@pytest.fixture(scope="session")
def kafka_bootstrap(pytestconfig: pytest.Config) -> Iterator[str]:
    """A real broker: KAFKA_BOOTSTRAP_SERVERS, else testcontainers, else the local launcher."""
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        _say(pytestconfig, f"kafka: using KAFKA_BOOTSTRAP_SERVERS={servers}")
        yield servers
        return
    if _docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("apache/kafka:4.1.1").with_kraft() as container:
            _say(pytestconfig, "kafka: testcontainers apache/kafka:4.1.1")
            yield container.get_bootstrap_server()
        return
    with LocalKafka() as kafka:
        _say(
            pytestconfig,
            f"kafka: Apache Kafka {kafka_version()} (local JVM, KRaft) on {kafka.bootstrap}",
        )
        yield kafka.bootstrap


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> Iterator[str]:
    """A prefix that makes topics, groups and ids of one test its own.

    The test's topics are deleted afterwards: a session makes thousands of partitions, and a
    broker that runs out of file descriptors stops answering (clients then wait for ever).
    """
    prefix = f"t{secrets.token_hex(4)}."
    yield prefix
    if "kafka_bootstrap" in request.fixturenames:
        delete_topics(request.getfixturevalue("kafka_bootstrap"), prefix)


async def _postgres_admin_url(pytestconfig: pytest.Config) -> str | None:
    import asyncpg

    url = os.environ.get("KETENMONITOR_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        connection = await asyncpg.connect(plain, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        _say(
            pytestconfig,
            f"postgresql: not reachable at {plain.split('@')[-1]} ({type(exc).__name__})",
        )
        return None
    version = await connection.fetchval("SHOW server_version")
    await connection.close()
    _say(pytestconfig, f"postgresql: server {version} at {plain.split('@')[-1]}")
    return url


@pytest.fixture(scope="session")
async def postgres_url(pytestconfig: pytest.Config) -> str | None:
    return await _postgres_admin_url(pytestconfig)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None
) -> AsyncIterator[str]:
    """A fresh, empty database of each kind (SQLite file; a new PostgreSQL database)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        return
    if postgres_url is None:
        pytest.skip(
            "PostgreSQL is not reachable: set KETENMONITOR_TEST_POSTGRES_URL or run .ci/run"
        )
    import asyncpg

    name = f"t_{secrets.token_hex(6)}"
    admin = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    base, _, _ = postgres_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        await drop_database(admin, name)


async def drop_database(admin: str, name: str) -> None:
    """Drop a test database; an autovacuum worker on it can make FORCE fail for a moment."""
    import asyncpg

    for attempt in range(5):
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.InsufficientPrivilegeError:
            await asyncio.sleep(0.2 * (attempt + 1))  # backoff until the worker is gone
        finally:
            await connection.close()
    warnings.warn(f"test database {name} left behind (still in use)", stacklevel=1)
