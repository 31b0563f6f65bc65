"""A service that works but not well stays ready, says degraded and why, and logs a stuck
publish's cause once (not a warning per retry)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import delete

from ketenkit import OutboxRow, Outgoing, add_to_outbox
from registry.app import create_app
from tests.helpers import eventually_sync
from tests.integration.registry.conftest import registry_settings


def metric(client: TestClient, line_start: str) -> float | None:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_a_stalled_outbox_is_degraded_visible_and_logged_once(
    kafka_bootstrap: str, unique: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = registry_settings(
        kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    ).model_copy(update={"outbox_stall_seconds": 0.5, "lag_poll_seconds": 0.1})
    caplog.set_level(logging.DEBUG, logger="ketenkit.outbox")
    with TestClient(create_app(settings)) as client:
        assert client.get("/health/ready").json()["status"] == "ready"
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        too_large = Outgoing(
            topic=settings.topic("registry.contacts.v1"), key="k", headers=(), value=b"x" * 2**21
        )

        async def stuck() -> None:
            async with runtime.db.transaction() as session:
                await add_to_outbox(session, [too_large])
            runtime.relay.notify()

        client.portal.call(stuck)  # type: ignore[union-attr]
        ready = eventually_sync(
            lambda: (r := client.get("/health/ready")).json()["status"] == "degraded" and r,
            message="readiness degraded",
        )
        assert ready.status_code == 200  # it still works: degraded, not down
        assert "outbox_stalled" in ready.json()["degraded"]
        assert metric(client, "registry_outbox_pending") == 1.0
        assert (metric(client, "registry_outbox_oldest_age_seconds") or 0) > 0.5
        assert metric(client, 'ketenmonitor_degraded{reason="outbox_stalled"}') == 1.0
        errors = [r for r in caplog.records if r.getMessage() == "outbox_publish_failed"]
        assert len(errors) >= 2  # it kept retrying ...
        logged = [r for r in errors if r.levelno >= logging.ERROR]
        assert len(logged) == 1  # ... and said why once
        assert "MessageSizeTooLarge" in logged[0].__dict__["cause"]

        async def fixed() -> None:
            async with runtime.db.transaction() as session:
                await session.exec(delete(OutboxRow))

        client.portal.call(fixed)  # type: ignore[union-attr]
        eventually_sync(
            lambda: client.get("/health/ready").json()["status"] == "ready",
            message="ready again",
        )
        assert metric(client, 'ketenmonitor_degraded{reason="outbox_stalled"}') == 0.0
