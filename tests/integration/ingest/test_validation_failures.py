"""A delivery never stays `received`: an unexpected failure or a restart ends it rejected."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from contracts import create_topics
from ingest.app import create_app
from ingest.domain.rows import RowValidator
from tests.helpers import eventually_sync

from .conftest import Ingest, ingest_settings
from .test_deliveries import PERSONS, rows


def report_codes(ingest: Ingest, token: str, delivery: str) -> list[tuple[int, str]]:
    found = ingest.client.get(f"/v1/deliveries/{delivery}/report", headers=ingest.auth(token))
    return [(e["row"], e["code"]) for e in found.json()["errors"]]


def test_an_unexpected_failure_while_validating_rejects_with_processing_failed(
    ingest_sqlite: Ingest, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest = ingest_sqlite
    _, token = ingest.contact("GM0344")

    def broken(self: RowValidator, row: int, raw: dict[str, str]) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(RowValidator, "check", broken)
    response = ingest.upload(token, rows(*PERSONS))
    assert response.status_code == 202
    delivery = response.json()["delivery_id"]
    final = eventually_sync(
        lambda: (
            (
                d := ingest.client.get(
                    f"/v1/deliveries/{delivery}", headers=ingest.auth(token)
                ).json()
            )["status"]
            != "received"
            and d
        ),
        message="the delivery ended",
    )
    assert final["status"] == "rejected"
    assert report_codes(ingest, token, delivery) == [(0, "processing_failed")]


@pytest.fixture
def blocked_validation(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Validation that hangs (as in a process about to be killed) until the test lets go."""
    release = threading.Event()
    original = RowValidator.check

    def hanging(self: RowValidator, row: int, raw: dict[str, str]) -> object:
        release.wait(3)  # long enough to stop the service mid-validation
        return original(self, row, raw)

    monkeypatch.setattr(RowValidator, "check", hanging)
    yield release
    release.set()


def test_a_restart_rejects_a_delivery_whose_validation_stopped(
    kafka_bootstrap: str,
    unique: str,
    tmp_path: Path,
    blocked_validation: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    settings = ingest_settings(
        kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"
    ).model_copy(update={"validation_wait_seconds": 0.2, "stalled_validation_seconds": 1.0})
    with TestClient(create_app(settings)) as client:
        ingest = Ingest(client, settings, kafka_bootstrap)
        _, token = ingest.contact("GM0344")
        response = ingest.upload(token, rows(*PERSONS))
        assert response.json()["status"] == "received"
        delivery = response.json()["delivery_id"]
    # The process stopped mid-validation. The next start finds the delivery half-validated.
    blocked_validation.set()
    monkeypatch.undo()
    with TestClient(create_app(settings)) as client:
        ingest = Ingest(client, settings, kafka_bootstrap)
        url = f"/v1/deliveries/{delivery}"
        final = eventually_sync(
            lambda: (
                (d := client.get(url, headers=ingest.admin()).json())["status"] != "received" and d
            ),
            timeout=30,
            message="the half-validated delivery ended",
        )
        assert final["status"] == "rejected"
        found = client.get(f"{url}/report", headers=ingest.admin()).json()
        assert [(e["row"], e["code"]) for e in found["errors"]] == [(0, "processing_failed")]


def test_repeating_an_upload_while_it_validates_validates_it_once(
    kafka_bootstrap: str, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    settings = ingest_settings(
        kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"
    ).model_copy(update={"validation_wait_seconds": 0.1})
    original = RowValidator.check
    checked: list[int] = []
    repeated = threading.Event()  # validation goes on only once the repeat has been answered

    def held(self: RowValidator, row: int, raw: dict[str, str]) -> object:
        repeated.wait(10)  # a large file, still validating when the repeat arrives
        checked.append(row)
        return original(self, row, raw)

    monkeypatch.setattr(RowValidator, "check", held)
    with TestClient(create_app(settings)) as client:
        ingest = Ingest(client, settings, kafka_bootstrap)
        _, token = ingest.contact("GM0344")
        headers = {**ingest.auth(token), "content-type": "text/csv", "Idempotency-Key": "k-1"}
        params = {"municipality": "GM0344", "quarter": "2025-Q2"}
        body = rows(*PERSONS)
        first = client.post("/v1/deliveries", params=params, content=body, headers=headers).json()
        again = client.post("/v1/deliveries", params=params, content=body, headers=headers).json()
        repeated.set()
        assert first["status"] == again["status"] == "received"
        assert again["delivery_id"] == first["delivery_id"]
        url = f"/v1/deliveries/{first['delivery_id']}"
        final = eventually_sync(
            lambda: (
                (d := client.get(url, headers=ingest.auth(token)).json())["status"] != "received"
                and d
            ),
            message="validated",
        )
        assert final["status"] == "validated"  # once, not rejected by a second validation
        assert final["counts"]["rows"] == len(PERSONS)
        assert sorted(checked) == list(range(1, len(PERSONS) + 1))  # each row checked once
