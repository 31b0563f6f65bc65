"""A registration committed just before a crash is published at the next start, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker

from ketenkit import Database, OutboxRelay, OutboxRow, ProcessedEvent
from registry.adapters.tables import TABLES
from registry.app import create_app
from registry.domain.contact import Berichtgever
from registry.service import commands
from registry.service.unit_of_work import SqlUnitOfWork
from tests.helpers import read_topic, topic_size

from .conftest import registry_settings


async def commit_without_publishing(url: str, topic: str) -> str:
    """The state of a process that committed and then died before its relay ran."""
    db = Database(url)
    await db.create_tables([*TABLES, ProcessedEvent, OutboxRow])
    relay = OutboxRelay(db, KafkaBroker("127.0.0.1:1"))  # never started: nothing is published
    registration = commands.Registration(
        municipality_codes=("GM0344",),
        berichtgever=Berichtgever(name="Utrecht", kind="gemeente"),
        name="C. Crash",
        email="c@utrecht.nl",
        phone=None,
        role="primary",
    )
    contact, _ = await commands.register(
        SqlUnitOfWork(db, relay, topic=topic), registration=registration, now=datetime.now(UTC)
    )
    await db.dispose()
    return contact.id


def test_outbox_is_drained_on_start_and_nothing_twice(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    settings = registry_settings(kafka_bootstrap, unique, url)
    topic = settings.topic("registry.contacts.v1")
    contact_id = asyncio.run(commit_without_publishing(url, topic))
    for _ in range(2):  # start, stop, start again
        with TestClient(create_app(settings)) as client:
            assert client.get("/health/ready").status_code == 200
    records = asyncio.run(read_topic(kafka_bootstrap, topic, count=1))
    assert [r.key for r in records] == [contact_id.encode()]
    assert asyncio.run(topic_size(kafka_bootstrap, topic)) == 1
