"""Hostile uploads: over the size limit, a million columns, a 10 MB line, formula injection."""
# (A line is bounded while it is read: tests/unit/ingest/test_files.py.)

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn

from contracts import create_topics
from ingest.app import create_app
from ketenkit.local_kafka import free_port
from tests.helpers import eventually_sync

from .conftest import Ingest, ingest_settings
from .test_streaming import PeakRss

LIMIT = 5 * 1024 * 1024


def test_an_upload_over_the_limit_is_refused_without_reading_it_all(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    port = free_port()
    settings = ingest_settings(kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'i.db'}")
    settings = settings.model_copy(update={"max_upload_bytes": LIMIT, "http_port": port})
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    sent = 0

    def endless() -> Iterator[bytes]:  # a 2 GB file, sent over a real socket in 1 MiB chunks
        nonlocal sent
        yield b"bsn;gemeentecode;doelgroep\n"
        chunk = b"111222333;GM0344;gezinsmigrant\n" * 33000
        for _ in range(2048):
            sent += len(chunk)
            yield chunk

    sampler = PeakRss()
    try:
        eventually_sync(lambda: _ready(port), timeout=30, message="ingest served")
        ingest = Ingest(None, settings, kafka_bootstrap)  # type: ignore[arg-type]
        token = _contact(ingest, port)
        sampler.start()
        try:
            response = httpx.post(
                f"http://127.0.0.1:{port}/v1/deliveries",
                params={"municipality": "GM0344", "quarter": "2025-Q2"},
                content=endless(),
                headers={"Authorization": f"Bearer {token}", "content-type": "text/csv"},
                timeout=60,
            )
            assert response.status_code == 413
            assert response.headers["content-type"] == "application/problem+json"
        except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
            pass  # the server closed the connection while we were still sending: refused early
    finally:
        sampler.done.set()
        server.should_exit = True
        thread.join(30)
    growth = sampler.peak - sampler.baseline
    # The client may push all 2 GB into the socket (the server discards what it does not read);
    # what matters is that the service refused it and never held it.
    assert sent > LIMIT
    assert growth < 150 * 1024 * 1024, f"memory grew by {growth / 2**20:.0f} MiB"


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _contact(ingest: Ingest, port: int) -> str:
    """Register a contact through the registry topic and wait until ingest accepts its token."""
    _, token = ingest.contact("GM0344", wait=False)
    eventually_sync(
        lambda: (
            httpx.get(
                f"http://127.0.0.1:{port}/v1/deliveries",
                headers={"Authorization": f"Bearer {token}"},
            ).status_code
            == 200
        ),
        message="contact known to ingest",
    )
    return token


def test_too_many_columns_is_a_header_problem(ingest_sqlite: Ingest) -> None:
    _, token = ingest_sqlite.contact("GM0344")
    # 300,000 columns fit in one line of the limit (a million would be a line too long)
    header = "bsn;gemeentecode;doelgroep;" + ";".join("c" for _ in range(300_000))
    response = ingest_sqlite.upload(token, header + "\n111222333;GM0344;gezinsmigrant\n")
    assert response.status_code == 202
    assert response.json()["status"] == "rejected"
    report = ingest_sqlite.client.get(
        f"/v1/deliveries/{response.json()['delivery_id']}/report", headers=ingest_sqlite.auth(token)
    ).json()
    assert [e["code"] for e in report["errors"]] == ["header_invalid"]


def test_a_10_mb_line_rejects_the_delivery(ingest_sqlite: Ingest) -> None:
    _, token = ingest_sqlite.contact("GM0344")
    body = (
        "bsn;gemeentecode;doelgroep\n"
        + "111222333;GM0344;"
        + "x" * 10_000_000
        + "\n"
        + "123456782;GM0344;gezinsmigrant\n"
    )
    response = ingest_sqlite.upload(token, body)
    assert response.status_code == 202
    # SPEC section 11: a line longer than the limit (1 MiB by default) rejects the delivery.
    assert response.json()["status"] == "rejected"
    report = ingest_sqlite.client.get(
        f"/v1/deliveries/{response.json()['delivery_id']}/report", headers=ingest_sqlite.auth(token)
    ).json()
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(0, "encoding_invalid")]
