"""The registry limits anonymous registrations per client address, also behind the portal: the
address a trusted proxy names (X-Forwarded-For) counts, an untrusted sender's claim does not."""

from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ketenkit.local_kafka import free_port
from tests.helpers import start_service

pytestmark = pytest.mark.e2e


def register(port: int, n: int, forwarded_for: str) -> int:
    body = {
        "municipality_codes": ["GM0344"],
        "berichtgever": {"name": "Gemeente Utrecht", "kind": "gemeente"},
        "contact": {"name": f"R{n}", "email": f"r{n}@utrecht.nl"},
        "role": "backup",
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/registrations",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "X-Forwarded-For": forwarded_for},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("trusted", [True, False])
def test_registrations_are_limited_per_forwarded_client_only_behind_a_trusted_proxy(
    kafka_bootstrap: str, tmp_path: Path, trusted: bool
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": f"rate{int(trusted)}{port}.",
        "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        "KETENMONITOR_DATA_DIR": str(tmp_path),
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_REGISTRATION_RATE_PER_MINUTE": "2",
        # Loopback (where this test sends from) is the trusted proxy, or not.
        "KETENMONITOR_FORWARDED_ALLOW_IPS": "127.0.0.1" if trusted else "10.99.99.99",
    }
    process = start_service("registry", env, port, log=tmp_path / "registry.log")
    try:
        first = [register(port, n, "192.0.2.1") for n in range(3)]
        second = [register(port, n + 3, "192.0.2.2") for n in range(2)]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert first == [201, 201, 429]
    # Another visitor behind the same proxy has a budget of its own; a claim from an untrusted
    # sender is ignored, so it shares the sender's (spent) budget.
    assert second == ([201, 201] if trusted else [429, 429])
