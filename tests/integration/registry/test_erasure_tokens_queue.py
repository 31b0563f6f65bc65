"""Erasure, a new token, the approval queue and the registration rate limit (SPEC section 11)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from contracts.reference import municipalities_on
from registry.app import create_app
from registry.config import Settings
from tests.helpers import eventually_sync, read_topic

from .conftest import Registry, registration, registry_settings


def _rows(registry: Registry, contact_id: str) -> list[str]:
    async def read() -> list[str]:
        db = registry.client.app.state.runtime.db  # type: ignore[attr-defined]
        async with db.sessions() as session:
            result = await (await session.connection()).execute(
                text("SELECT * FROM contacts WHERE id = :id"), {"id": contact_id}
            )
            return [repr(tuple(row)) for row in result.all()]

    rows: list[str] = registry.client.portal.call(read)  # type: ignore[union-attr]
    return rows


def test_a_withdrawn_contact_is_erased_and_a_tombstone_follows(registry: Registry) -> None:
    contact_id, token = registry.register("GM0344", name="Erik Erasmus")
    erase = f"/v1/contacts/{contact_id}"
    refused = registry.client.delete(erase, headers=registry.admin())
    assert refused.status_code == 409
    assert refused.json()["code"] == "contact_not_withdrawn"
    assert registry.client.delete(erase, headers=registry.auth(token)).status_code == 403
    registry.client.post(f"/v1/contacts/{contact_id}/withdraw", headers=registry.admin())
    assert registry.client.delete(erase).status_code == 401

    assert registry.client.delete(erase, headers=registry.admin()).status_code == 204
    assert registry.client.get(erase, headers=registry.admin()).status_code == 404
    assert registry.client.delete(erase, headers=registry.admin()).status_code == 404
    listed = registry.client.get("/v1/contacts", headers=registry.admin()).json()
    assert contact_id not in {c["contact_id"] for c in listed}
    (row,) = _rows(registry, contact_id)
    assert "Erik" not in row and "erikerasmus" not in row and "Suite" not in row
    assert contact_id in row and "erased" in row

    topic = registry.settings.topic("registry.contacts.v1")
    # registered, approved, withdrawn, then the tombstone
    records = asyncio.run(read_topic(registry.settings.kafka_bootstrap_servers, topic, count=4))
    last = [r for r in records if r.key == contact_id.encode()][-1]
    assert last.value is None


def test_a_new_token_replaces_the_old_one_at_once(registry: Registry) -> None:
    contact_id, old = registry.register("GM0363")
    mine = "/v1/municipalities/GM0363/contacts"
    assert registry.client.get(mine, headers=registry.auth(old)).status_code == 200
    path = f"/v1/contacts/{contact_id}/token"
    assert registry.client.post(path, headers=registry.auth(old)).status_code == 403
    response = registry.client.post(path, headers=registry.admin())
    assert response.status_code == 200
    body = response.json()
    assert body["contact_id"] == contact_id and body["token"] != old
    assert registry.client.get(mine, headers=registry.auth(old)).status_code == 401
    assert registry.client.get(mine, headers=registry.auth(body["token"])).status_code == 200
    # the published state carries the new token's hash (ingest learns it from there)
    state = registry.client.get(f"/v1/contacts/{contact_id}", headers=registry.admin()).json()
    assert state["status"] == "active"
    pending_id, _ = registry.register("GM0363", role="backup", approve=False)
    assert (
        registry.client.post(
            f"/v1/contacts/{pending_id}/token", headers=registry.admin()
        ).status_code
        == 200
    )
    registry.client.post(f"/v1/contacts/{contact_id}/withdraw", headers=registry.admin())
    gone = registry.client.post(path, headers=registry.admin())
    assert gone.status_code == 409


def test_the_approval_queue_and_filters_are_for_the_admin(registry: Registry) -> None:
    active_id, token = registry.register("GM0014")
    pending_id, _ = registry.register("GM0014", role="backup", approve=False)
    other_id, _ = registry.register("GM0034", role="backup", approve=False)
    queue = registry.client.get("/v1/contacts?status=pending", headers=registry.admin()).json()
    assert {pending_id, other_id} <= {c["contact_id"] for c in queue}
    assert all(c["status"] == "pending" for c in queue)
    of_gm0014 = registry.client.get(
        "/v1/contacts", params={"municipality": "GM0014"}, headers=registry.admin()
    ).json()
    assert {c["contact_id"] for c in of_gm0014} == {active_id, pending_id}
    both = registry.client.get(
        "/v1/contacts",
        params={"municipality": "GM0014", "status": "active"},
        headers=registry.admin(),
    ).json()
    assert [c["contact_id"] for c in both] == [active_id]
    assert registry.client.get("/v1/contacts", headers=registry.auth(token)).status_code == 403
    assert registry.client.get("/v1/contacts").status_code == 401
    bad = registry.client.get("/v1/contacts?status=gone", headers=registry.admin())
    assert bad.status_code == 422


@pytest.fixture
def limited(kafka_bootstrap: str, unique: str, database_url: str) -> Iterator[Registry]:
    settings = registry_settings(kafka_bootstrap, unique, database_url).model_copy(
        update={"registration_rate_per_minute": 3}
    )
    with TestClient(create_app(settings)) as client:
        yield Registry(client, settings)


def test_anonymous_registration_is_rate_limited_per_address(limited: Registry) -> None:
    for n in range(3):
        response = limited.client.post("/v1/registrations", json=registration(name=f"N {n}"))
        assert response.status_code == 201
    refused = limited.client.post("/v1/registrations", json=registration(name="N 4"))
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # the admin's actions are not registrations and are not limited
    assert limited.client.get("/v1/contacts", headers=limited.admin()).status_code == 200


def test_the_rate_limit_defaults_to_ten_in_production_and_off_in_dev() -> None:
    strong = "s" * 20 + "-strong-admin-token-1"
    production = Settings(
        env="production",
        admin_token=strong,  # type: ignore[arg-type]
        kafka_security_protocol="SASL_SSL",
        kafka_username="registry",
        kafka_password="k" * 40,  # type: ignore[arg-type]
    )
    assert production.registration_rate_per_minute == 10
    assert Settings().registration_rate_per_minute == 0


def _gauge(client: TestClient, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no {name}")


def test_municipalities_without_contact_follow_the_day_without_a_restart(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    days = [date(2021, 12, 31)]
    settings = registry_settings(
        kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    ).model_copy(update={"metrics_refresh_seconds": 0.05})
    with TestClient(create_app(settings, today=lambda: days[0])) as client:
        before = len(municipalities_on(date(2021, 12, 31)))
        assert _gauge(client, "registry_municipalities_without_contact") == before
        days[0] = date(2022, 1, 1)  # midnight: ten municipalities merged into three
        after = len(municipalities_on(date(2022, 1, 1)))
        assert after < before
        eventually_sync(
            lambda: _gauge(client, "registry_municipalities_without_contact") == after,
            message="the gauge follows the new day",
        )
