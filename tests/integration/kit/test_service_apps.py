"""Each service's app starts on the real broker and serves health, metrics, OpenAPI and AsyncAPI."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from contracts.access import BY_PRINCIPAL


def dead_letters(service: str) -> set[str]:
    # Consumers dead-letter; the registry consumes nothing (and may not write deadletter.v1).
    return set() if service == "registry" else {"deadletter.v1"}


@pytest.mark.parametrize("service", ["registry", "ingest", "linkage"])
def test_service_serves_health_metrics_and_documents(
    service: str, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    config = importlib.import_module(f"{service}.config")
    app_module = importlib.import_module(f"{service}.app")
    settings = config.Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        data_dir=str(tmp_path),
    )
    with TestClient(app_module.create_app(settings)) as client:
        assert client.get("/health/live").json() == {"status": "live"}
        ready = client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"kafka": "up", "database": "up"}
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        assert "ketenmonitor_consumer_lag_messages" in metrics.text
        assert client.get("/openapi.json").json()["info"]["title"].endswith(service)
        document = client.get("/asyncapi.json").json()
        assert document["asyncapi"].startswith("3.")
        # Every topic the service publishes is in it, those sent through the outbox too: the
        # same set contracts/access.py lets its principal write.
        sent = {
            channel["address"].removeprefix(unique)
            for name, channel in document["channels"].items()
            if any(
                op["action"] == "send" and op["channel"]["$ref"] == f"#/channels/{name}"
                for op in document["operations"].values()
            )
        }
        assert sent == {topic.name for topic in BY_PRINCIPAL[service].writes} | dead_letters(
            service
        )
