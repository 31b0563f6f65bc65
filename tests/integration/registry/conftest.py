"""A running registry (real Kafka, SQLite or PostgreSQL) and helpers to drive it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from registry.app import create_app
from registry.config import Settings

ADMIN_TOKEN = "registry-test-admin-token-" + "z" * 20


def registration(*codes: str, role: str = "primary", name: str = "A. de Vries") -> dict[str, Any]:
    return {
        "municipality_codes": list(codes or ("GM0344",)),
        "berichtgever": {"name": "Gemeente", "kind": "gemeente", "software_package": "Suite"},
        "contact": {"name": name, "email": f"{name.replace(' ', '').lower()}@gemeente.nl"},
        "role": role,
    }


@dataclass
class Registry:
    client: TestClient
    settings: Settings

    def auth(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def admin(self) -> dict[str, str]:
        return self.auth(ADMIN_TOKEN)

    def register(
        self, *codes: str, role: str = "primary", approve: bool = True, name: str = "A. de Vries"
    ) -> tuple[str, str]:
        response = self.client.post(
            "/v1/registrations", json=registration(*codes, role=role, name=name)
        )
        assert response.status_code == 201, response.text
        body = response.json()
        if approve:
            approved = self.client.post(
                f"/v1/contacts/{body['contact_id']}/approve", headers=self.admin()
            )
            assert approved.status_code == 200, approved.text
        return body["contact_id"], body["token"]


def registry_settings(kafka_bootstrap: str, unique: str, database_url: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique,
        database_url=database_url,
        admin_token=SecretStr(ADMIN_TOKEN),
        outbox_poll_seconds=0.1,
    )


@pytest.fixture
def registry(kafka_bootstrap: str, unique: str, database_url: str) -> Iterator[Registry]:
    settings = registry_settings(kafka_bootstrap, unique, database_url)
    with TestClient(create_app(settings)) as client:
        yield Registry(client, settings)
