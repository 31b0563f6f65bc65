"""Two portal instances behind one address (a load balancer without sticky sessions): a login on
one works on the other, a form from one is accepted by the other, logout on one ends it on both."""

from __future__ import annotations

import os
import re
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ketenkit.local_kafka import free_ports
from tests.helpers import start_service

from .conftest import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_portals(stack: Stack, tmp_path: Path) -> Iterator[list[str]]:
    shared = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KETENMONITOR_")},
        "KETENMONITOR_DATA_DIR": str(tmp_path),
        "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}",
        "KETENMONITOR_REGISTRY_URL": stack.url("registry"),
        "KETENMONITOR_INGEST_URL": stack.url("ingest"),
        "KETENMONITOR_LINKAGE_URL": stack.url("linkage"),
        "KETENMONITOR_PORTAL_SECRET": secrets.token_urlsafe(32),
    }
    ports = free_ports(2)
    processes = [
        start_service(
            "portal", {**shared, "KETENMONITOR_HTTP_PORT": str(p)}, p, log=tmp_path / f"{p}.log"
        )
        for p in ports
    ]
    try:
        yield [f"http://127.0.0.1:{p}" for p in ports]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_session_and_its_forms_work_on_every_instance(
    two_portals: list[str], stack: Stack
) -> None:
    first, second = two_portals
    # Cookies are not bound to a port: one jar plays the browser in front of both instances.
    with httpx.Client() as browser:
        token = csrf_of(browser.get(f"{first}/inloggen").text)
        login = browser.post(
            f"{second}/inloggen", data={"token": stack.reader_token, "csrf_token": token}
        )
        assert login.status_code == 303 and login.headers["location"] == "/monitor"
        assert browser.get(f"{first}/monitor").status_code == 200
        assert browser.get(f"{second}/monitor").status_code == 200
        logout = browser.post(
            f"{first}/uitloggen",
            data={"csrf_token": csrf_of(browser.get(f"{second}/monitor").text)},
        )
        assert logout.status_code == 303
        assert browser.get(f"{second}/monitor").status_code == 303
