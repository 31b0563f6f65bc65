"""A running linkage (real Kafka; SQLite or PostgreSQL) fed with records.* events by the test."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker
from pydantic import SecretStr

from contracts import CATALOGUE, Envelope, create_topics
from ketenkit import Outgoing, publish_all
from linkage.app import create_app
from linkage.config import Settings

ADMIN_TOKEN = "linkage-test-admin-token-" + "a" * 20
READER_TOKEN = "linkage-test-reader-token-" + "r" * 20
#: Each records.* event type and its topic, from the catalogue.
TOPICS = {
    event_type: topic.name
    for topic in CATALOGUE
    if topic.name.startswith("records.")
    for event_type in topic.event_types
}


@dataclass
class Linkage:
    client: TestClient
    settings: Settings
    bootstrap: str

    def reader(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {READER_TOKEN}"}

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def send(self, *envelopes: Envelope) -> None:
        send(self.bootstrap, self.settings.topic_prefix, envelopes)


def send(bootstrap: str, prefix: str, envelopes: Sequence[Envelope]) -> None:
    """Publish records.* events to their topics, keyed by pseudonym, as ingest would."""
    messages = [Outgoing.event(prefix + TOPICS[e.type], e, e.subject) for e in envelopes]

    async def go() -> None:
        async with KafkaBroker(bootstrap) as broker:
            await broker.start()
            await publish_all(broker, messages)

    asyncio.run(go())


def linkage_settings(kafka_bootstrap: str, unique: str, database_url: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique,
        database_url=database_url,
        admin_token=SecretStr(ADMIN_TOKEN),
        reader_token=SecretStr(READER_TOKEN),
        outbox_poll_seconds=0.1,
        consumer_batch_timeout_ms=50,
        pending_refresh_seconds=0.2,
    )


def running(kafka_bootstrap: str, unique: str, database_url: str) -> Iterator[Linkage]:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    settings = linkage_settings(kafka_bootstrap, unique, database_url)
    with TestClient(create_app(settings)) as client:
        yield Linkage(client, settings, kafka_bootstrap)


@pytest.fixture
def linkage(kafka_bootstrap: str, unique: str, database_url: str) -> Iterator[Linkage]:
    yield from running(kafka_bootstrap, unique, database_url)


@pytest.fixture
def linkage_sqlite(kafka_bootstrap: str, unique: str, tmp_path: Path) -> Iterator[Linkage]:
    yield from running(kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'linkage.db'}")
