"""The whole stack as real processes on loopback: the three services on the session's Kafka."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from contracts import create_topics
from contracts.access import PRINCIPALS
from ketenkit.local_kafka import LocalKafka, free_port, free_ports
from ketentools.demo import load_demo
from tests.helpers import start_service

SERVICES = ("registry", "ingest", "linkage")


@dataclass
class Stack:
    bootstrap: str
    prefix: str
    admin_token: str
    ports: dict[str, int]
    folder: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    environments: dict[str, dict[str, str]] = field(default_factory=dict)
    reader_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self, service: str) -> None:
        self.processes[service] = start_service(
            service,
            self.environments[service],
            self.ports[service],
            log=self.folder / f"{service}.log",
        )

    def kill_and_restart(self, service: str) -> None:
        """``kill -9`` the service, then start it again on its database and wait until ready."""
        process = self.processes.pop(service)
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.start(service)


@contextmanager
def running_stack(kafka_bootstrap: str, folder: Path) -> Iterator[Stack]:
    """The three services as processes with their own topics (a fresh prefix) and databases."""
    prefix = f"e{secrets.token_hex(4)}."
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=prefix))
    running = Stack(
        kafka_bootstrap,
        prefix,
        secrets.token_urlsafe(32),
        dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True)),
        folder,
    )
    try:
        for service in SERVICES:
            running.environments[service] = {
                **os.environ,
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "KETENMONITOR_TOPIC_PREFIX": prefix,
                "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{folder / service}.db",
                "KETENMONITOR_DATA_DIR": str(folder),
                "KETENMONITOR_ADMIN_TOKEN": running.admin_token,
                "KETENMONITOR_READER_TOKEN": running.reader_token,
                "KETENMONITOR_HTTP_PORT": str(running.ports[service]),
                "KETENMONITOR_OUTBOX_POLL_SECONDS": "0.2",
                "KETENMONITOR_LAG_POLL_SECONDS": "1",
                # Every service writes its spans to a file of its own (tests read them).
                "OTEL_TRACES_EXPORTER": "console",
                "KETENMONITOR_TRACE_FILE": str(folder / f"traces-{service}.jsonl"),
            }
            running.start(service)
        yield running
    finally:
        for process in running.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in running.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(kafka_bootstrap, tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="session")
def demo(stack: Stack) -> Stack:
    """The stack with the demo loaded (once per session)."""
    load_demo(
        urls={s: stack.url(s) for s in SERVICES},
        admin_token=stack.admin_token,
        bootstrap=stack.bootstrap,
        prefix=stack.prefix,
    )
    return stack


@dataclass
class Portal:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="session")
def portal(stack: Stack) -> Iterator[Portal]:
    """The portal as a process in front of the session's stack (production-like: its own
    secret, no token of its own; cookies stay non-Secure because tests speak plain HTTP)."""
    port = free_port()
    log = stack.folder / "portal.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KETENMONITOR_")},
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_DATA_DIR": str(stack.folder),
        "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{stack.folder / 'portal.db'}",
        "KETENMONITOR_REGISTRY_URL": stack.url("registry"),
        "KETENMONITOR_INGEST_URL": stack.url("ingest"),
        "KETENMONITOR_LINKAGE_URL": stack.url("linkage"),
        "KETENMONITOR_PORTAL_SECRET": secrets.token_urlsafe(32),
        "OTEL_TRACES_EXPORTER": "console",
        "KETENMONITOR_TRACE_FILE": str(stack.folder / "traces-portal.jsonl"),
    }
    process = start_service("portal", env, port, log=log)
    try:
        yield Portal(f"http://127.0.0.1:{port}", process, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


#: The prefix of the topics (and their ACLs) the access probes write junk to.
PROBE = "probe."


@dataclass(frozen=True)
class SecureKafka:
    """A second local broker in secure mode: SASL on every listener (and a TLS one), the
    StandardAuthorizer, and the SCRAM users and ACLs of ``contracts.access``."""

    bootstrap: str
    admin_password: str
    passwords: dict[str, str]
    tls_bootstrap: str
    ca_file: str

    def login(self, user: str, password: str | None = None) -> dict[str, Any]:
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": user,
            "sasl_plain_password": self.passwords[user] if password is None else password,
        }

    def admin(self) -> dict[str, Any]:
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "PLAIN",
            "sasl_plain_username": "admin",
            "sasl_plain_password": self.admin_password,
        }


@pytest.fixture(scope="session")
def secure_kafka() -> Iterator[SecureKafka]:
    passwords = {p.name: secrets.token_urlsafe(32) for p in PRINCIPALS}
    with LocalKafka(admin_password=secrets.token_urlsafe(32), heap="512m", tls=True) as kafka:
        assert kafka.admin_password is not None and kafka.tls is not None
        kafka.provision(passwords)
        # The probes below write junk; they get topics (and ACLs) of their own.
        kafka.provision(passwords, name_prefix=PROBE)
        yield SecureKafka(
            kafka.bootstrap,
            kafka.admin_password,
            passwords,
            kafka.tls_bootstrap,
            str(kafka.tls.ca_file),
        )
