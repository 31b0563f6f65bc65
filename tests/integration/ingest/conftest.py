"""A running ingest (real Kafka, SQLite or PostgreSQL), contacts it knows from its projection."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker
from pydantic import SecretStr

from contracts import Berichtgever, ContactState, Envelope, create_topics, sequence_text
from contracts.registry import CONTACT_APPROVED, CONTACT_WITHDRAWN, ContactStatus
from ingest.app import create_app
from ingest.config import Settings
from ketenkit import Outgoing, publish_all
from tests.helpers import eventually_sync

ADMIN_TOKEN = "ingest-test-admin-token-" + "q" * 20
PSEUDONYM_KEY = bytes(range(50, 82)).hex()


async def publish(bootstrap: str, messages: list[Outgoing]) -> None:
    async with KafkaBroker(bootstrap) as broker:
        await broker.start()
        await publish_all(broker, messages)


@dataclass
class Ingest:
    client: TestClient
    settings: Settings
    bootstrap: str
    versions: dict[str, int] = field(default_factory=dict)

    def auth(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def admin(self) -> dict[str, str]:
        return self.auth(ADMIN_TOKEN)

    def contact(
        self,
        *codes: str,
        status: ContactStatus = "active",
        contact_id: str | None = None,
        token: str | None = None,
        wait: bool = True,
        source: str = "urn:nld:ketenmonitor:registry",
    ) -> tuple[str, str]:
        """Publish a contact state as the registry would, and wait until ingest applied it."""
        contact_id = contact_id or secrets.token_hex(8)
        token = token or secrets.token_urlsafe(32)
        version = self.versions.get(contact_id, 0) + 1
        self.versions[contact_id] = version
        now = datetime.now(UTC)
        state = ContactState(
            contact_id=contact_id,
            status=status,
            role="backup",
            municipality_codes=codes or ("GM0344",),
            berichtgever=Berichtgever(name="Gemeente", kind="gemeente"),
            name="Test Contact",
            email="test@gemeente.nl",
            token_sha256=hashlib.sha256(token.encode()).hexdigest(),
            registered_at=now,
            updated_at=now,
        )
        envelope = Envelope(
            id=f"{contact_id}-{version}",
            source=source,
            type=CONTACT_WITHDRAWN if status == "withdrawn" else CONTACT_APPROVED,
            subject=contact_id,
            sequence=sequence_text(version),
            data=state.model_dump(mode="json"),
        )
        topic = self.settings.topic("registry.contacts.v1")
        asyncio.run(publish(self.bootstrap, [Outgoing.event(topic, envelope, contact_id)]))
        if wait:
            expected = 200 if status == "active" else 401
            eventually_sync(
                lambda: (
                    self.client.get("/v1/deliveries", headers=self.auth(token)).status_code
                    == expected
                ),
                message=f"contact {status} in ingest's projection",
            )
        return contact_id, token

    def upload(
        self,
        token: str,
        body: bytes | str,
        *,
        municipality: str = "GM0344",
        quarter: str = "2025-Q2",
        content_type: str = "text/csv",
        **params: str,
    ) -> httpx.Response:
        response: httpx.Response = self.client.post(
            "/v1/deliveries",
            params={"municipality": municipality, "quarter": quarter, **params},
            content=body.encode() if isinstance(body, str) else body,
            headers={**self.auth(token), "content-type": content_type},
        )
        return response


def ingest_settings(kafka_bootstrap: str, unique: str, database_url: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique,
        database_url=database_url,
        admin_token=SecretStr(ADMIN_TOKEN),
        pseudonym_key=SecretStr(PSEUDONYM_KEY),
        outbox_poll_seconds=0.1,
        consumer_batch_timeout_ms=50,
    )


def running(kafka_bootstrap: str, unique: str, database_url: str) -> Iterator[Ingest]:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    settings = ingest_settings(kafka_bootstrap, unique, database_url)
    with TestClient(create_app(settings)) as client:
        yield Ingest(client, settings, kafka_bootstrap)


@pytest.fixture
def ingest(kafka_bootstrap: str, unique: str, database_url: str) -> Iterator[Ingest]:
    """Ingest on SQLite and on PostgreSQL."""
    yield from running(kafka_bootstrap, unique, database_url)


@pytest.fixture
def ingest_sqlite(kafka_bootstrap: str, unique: str, tmp_path: Path) -> Iterator[Ingest]:
    """Ingest on SQLite only, for paths where the database kind does not matter."""
    yield from running(kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'ingest.db'}")
