"""A rehearsal of many nodes on one machine: the services configured exactly as the Helm chart
configures them (its production values: production mode, each service's own SCRAM login over
TLS, PostgreSQL), the consumer services several times each in one consumer group, on a broker
with the ACLs of ``contracts.access``, under the simulator's load; the monitor every linkage
instance serves equals the ground truth, and every instance did part of the work.

Only what names the cluster's places is replaced by this machine's (the broker's address and
CA, ports, data folder) and the replication the single local broker cannot give.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import urllib.request
from collections.abc import AsyncIterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ketenkit.local_kafka import free_ports
from ketentools.population import generate
from ketentools.simulate import complete_people, differences, drive, plan, truth
from tests.conftest import drop_database
from tests.helm_chart import VALUES, needs_helm, render
from tests.helpers import eventually_sync, received, start_service

from .conftest import SecureKafka

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="the broker is a local JVM"),
    needs_helm,
]
#: Instances per service: the registry runs as one (the chart's), the consumers as several.
INSTANCES = {"registry": 1, "ingest": 2, "linkage": 3}
SEED = 31
#: The settings that name the cluster's places, replaced by this machine's.
LOCAL = {
    "KAFKA_BOOTSTRAP_SERVERS",
    "KETENMONITOR_KAFKA_SSL_CAFILE",
    "KETENMONITOR_HTTP_HOST",
    "KETENMONITOR_HTTP_PORT",
    "KETENMONITOR_DATA_DIR",
    "KETENMONITOR_KAFKA_REPLICATION_FACTOR",
    "KETENMONITOR_KAFKA_MIN_INSYNC_REPLICAS",
}


def chart_environments() -> dict[str, list[dict[str, Any]]]:
    """Each service's container environment as the chart renders it for production."""
    return {
        document["spec"]["template"]["spec"]["containers"][0]["name"]: document["spec"]["template"][
            "spec"
        ]["containers"][0]["env"]
        for document in render(*VALUES["production"])
        if document["kind"] == "Deployment"
    }


def resolved(
    env: list[dict[str, Any]], secrets_: Mapping[tuple[str, str], str], local: Mapping[str, str]
) -> dict[str, str]:
    """The chart's environment with its secret references resolved and ``local`` applied."""
    out: dict[str, str] = {}
    for variable in env:
        if "valueFrom" in variable:
            ref = variable["valueFrom"]["secretKeyRef"]
            out[variable["name"]] = secrets_[(ref["name"], ref["key"])]
        else:
            out[variable["name"]] = str(variable["value"])
    assert set(local) <= set(out), f"not set by the chart: {set(local) - set(out)}"
    return {**out, **local}


@pytest.fixture
async def databases(postgres_url: str | None) -> AsyncIterator[dict[str, str]]:
    """A PostgreSQL database per service, as the chart's CloudNativePG clusters give them."""
    if postgres_url is None:
        pytest.skip("PostgreSQL is not reachable: set KETENMONITOR_TEST_POSTGRES_URL")
    import asyncpg

    admin = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    names = {service: f"t_{service}_{secrets.token_hex(4)}" for service in INSTANCES}
    connection = await asyncpg.connect(admin)
    for name in names.values():
        await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    base = postgres_url.rpartition("/")[0]
    try:
        yield {service: f"{base}/{name}" for service, name in names.items()}
    finally:
        for name in names.values():
            await drop_database(admin, name)


def outside() -> dict[str, str]:
    """This shell's environment without any setting of ours: the chart's alone count."""
    ours = ("KETENMONITOR_", "KAFKA_", "OTEL_")
    return {k: v for k, v in os.environ.items() if not k.startswith(ours)}


def _get(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def test_many_instances_configured_as_the_chart_agree_with_the_ground_truth(
    secure_kafka: SecureKafka, databases: dict[str, str], tmp_path: Path
) -> None:
    admin_token, reader_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    chart_secrets = {
        ("ketenmonitor", "admin-token"): admin_token,
        ("ketenmonitor", "reader-token"): reader_token,
        ("ketenmonitor", "pseudonym-key"): secrets.token_urlsafe(32),
        **{("ketenmonitor", f"{s}-database-url"): url for s, url in databases.items()},
        **{(principal, "password"): pw for principal, pw in secure_kafka.passwords.items()},
    }
    environments = chart_environments()
    ports = iter(free_ports(sum(INSTANCES.values())))
    urls: dict[str, list[str]] = {service: [] for service in INSTANCES}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for service, count in INSTANCES.items():
            for n in range(count):
                port, folder = next(ports), tmp_path / f"{service}-{n}"
                folder.mkdir()
                local = {
                    "KAFKA_BOOTSTRAP_SERVERS": secure_kafka.tls_bootstrap,
                    "KETENMONITOR_KAFKA_SSL_CAFILE": secure_kafka.ca_file,
                    "KETENMONITOR_HTTP_HOST": "127.0.0.1",
                    "KETENMONITOR_HTTP_PORT": str(port),
                    "KETENMONITOR_DATA_DIR": str(folder),
                    "KETENMONITOR_KAFKA_REPLICATION_FACTOR": "1",
                    "KETENMONITOR_KAFKA_MIN_INSYNC_REPLICAS": "1",
                }
                assert set(local) == LOCAL
                env = {**outside(), **resolved(environments[service], chart_secrets, local)}
                log = tmp_path / f"{service}-{n}.log"
                processes.append(start_service(service, env, port, log=log))
                urls[service].append(f"http://127.0.0.1:{port}")

        people = generate(scale=0.003, seed=SEED, municipalities=8)
        codes = sorted(
            {p.municipality for p in people} | {p.moved_from for p in people if p.moved_from}
        )
        simulation = plan(people, seed=SEED, municipalities=codes, dirt=0.03)
        drive(
            simulation,
            urls={service: found[0] for service, found in urls.items()},
            admin_token=admin_token,
            bootstrap=secure_kafka.bootstrap,
            logins={p: secure_kafka.login(p) for p in ("coa", "duo", "stats")},
        )
        expected = len(complete_people(people, simulation))
        as_of = "2026-09-30"

        def total(url: str) -> int:
            rows = _get(f"{url}/v1/monitor?as_of={as_of}&by=cohort", admin_token)["rows"]
            return sum(row["n"] or 0 for row in rows)

        eventually_sync(
            lambda: total(urls["linkage"][0]) == expected,
            timeout=240,
            interval=1,
            message=f"{expected} persons linked by {INSTANCES['linkage']} linkage instances",
        )
        want = truth(people, simulation, as_of=date.fromisoformat(as_of))

        def agree() -> bool:
            return all(
                not differences(
                    _get(f"{url}/v1/monitor?as_of={as_of}&by=cohort,doelgroep", reader_token),
                    want,
                )
                for url in urls["linkage"]
            )

        eventually_sync(agree, timeout=120, interval=1, message="every instance's monitor true")
        # One consumer group per service: each instance had partitions and took records in.
        for service in ("ingest", "linkage"):
            taken = [received(url) for url in urls[service]]
            assert all(n > 0 for n in taken), (service, taken)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    logs = "".join(path.read_text(errors="replace") for path in tmp_path.glob("*.log"))
    assert "AuthorizationFailed" not in logs, logs[-3000:]
