"""Kafka itself keeps partners and services apart: SASL/SCRAM logins and ACLs per principal.

A second local broker runs in secure mode (SASL on every listener, StandardAuthorizer, the
ACLs of ``contracts.access``); the services run against it in production mode with their own
credentials from the environment.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)
from faststream.security import SASLScram512

from contracts import CATALOGUE
from contracts.access import PRINCIPALS
from contracts.monitoring import MONITORING_RECORD
from ketenkit.kafka_access import AdminLogin, provision
from ketenkit.local_kafka import free_ports
from ketenkit.settings import ServiceSettings
from ketentools.demo import demo_people, ground_truth, load_demo
from tests.helpers import eventually_sync, read_topic, start_service, topic_size

from .conftest import PROBE, SecureKafka

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None, reason="the secure broker is a local JVM: Java is needed"
)


async def _produce(
    bootstrap: str,
    topic: str,
    login: dict[str, Any],
    headers: list[tuple[str, bytes]] | None = None,
) -> str:
    """``ok``, or the name of the error that refused the write."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=10_000,
        **login,
    )
    try:
        await producer.start()
        await producer.send_and_wait(topic, b"{}", key=b"k", headers=headers)
        return "ok"
    except KafkaError as exc:
        return type(exc).__name__
    finally:
        await producer.stop()


def produce(kafka: SecureKafka, topic: str, login: dict[str, Any]) -> str:
    return asyncio.run(_produce(kafka.bootstrap, PROBE + topic, login))


def test_a_coa_client_cannot_write_to_the_duo_feed(secure_kafka: SecureKafka) -> None:
    assert produce(secure_kafka, "feeds.coa.v1", secure_kafka.login("coa")) == "ok"
    assert produce(secure_kafka, "feeds.duo.v1", secure_kafka.login("coa")) == (
        TopicAuthorizationFailedError.__name__
    )
    assert produce(secure_kafka, "feeds.coa.v1", secure_kafka.login("duo")) == (
        TopicAuthorizationFailedError.__name__
    )


@pytest.mark.parametrize("principal", [p.name for p in PRINCIPALS])
def test_only_ingest_writes_records_and_each_principal_only_its_topics(
    secure_kafka: SecureKafka, principal: str
) -> None:
    written = {
        topic.name
        for topic in CATALOGUE
        if produce(secure_kafka, topic.name, secure_kafka.login(principal)) == "ok"
    }
    records = {"records.municipal.v1", "records.coa.v1", "records.duo.v1"}
    # ingest writes them; the operator only replays what linkage dead-lettered of them
    assert (written & records == records) == (principal in {"ingest", "operator"})
    expected = {t.name for p in PRINCIPALS if p.name == principal for t in p.writes}
    assert written == expected


async def _read_one(bootstrap: str, topic: str, group: str | None, login: dict[str, Any]) -> str:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **login,
    )
    try:
        await consumer.start()
        await consumer.getone()
        if group is not None:
            await consumer.commit()
        return "ok"
    except KafkaError as exc:
        return type(exc).__name__
    finally:
        await consumer.stop()


def read_one(kafka: SecureKafka, topic: str, group: str | None, user: str) -> str:
    """``ok`` or the error's name; ``group=None`` reads without a consumer group."""
    prefixed = None if group is None else PROBE + group
    coroutine = _read_one(kafka.bootstrap, PROBE + topic, prefixed, kafka.login(user))
    return asyncio.run(asyncio.wait_for(coroutine, 30))


def test_reading_needs_a_grant_and_a_group_of_ones_own(secure_kafka: SecureKafka) -> None:
    assert produce(secure_kafka, "records.coa.v1", secure_kafka.login("ingest")) == "ok"
    assert read_one(secure_kafka, "records.coa.v1", "linkage.test", "linkage") == "ok"
    # The writer of a feed cannot read it back (it holds BSNs of others too).
    assert read_one(secure_kafka, "feeds.coa.v1", None, "coa") == (
        TopicAuthorizationFailedError.__name__
    )
    # Linkage may read records, but not inside ingest's consumer group.
    assert read_one(secure_kafka, "records.coa.v1", "ingest.feeds", "linkage") == (
        GroupAuthorizationFailedError.__name__
    )


def test_no_login_or_a_wrong_password_is_refused(secure_kafka: SecureKafka) -> None:
    assert produce(secure_kafka, "feeds.coa.v1", secure_kafka.login("coa", "wrong")) == (
        KafkaConnectionError.__name__
    )
    assert produce(secure_kafka, "feeds.coa.v1", {}) == KafkaConnectionError.__name__
    # A service's login is no partner's: ingest may not pose as COA.
    assert produce(secure_kafka, "feeds.coa.v1", secure_kafka.login("ingest")) == (
        TopicAuthorizationFailedError.__name__
    )


def _service_env(
    kafka: SecureKafka, name: str, tmp_path: Path, port: int, admin_token: str
) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
        "KETENMONITOR_ENV": "production",
        "KETENMONITOR_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KETENMONITOR_KAFKA_TRUSTED_NETWORK": "true",  # loopback
        "KETENMONITOR_KAFKA_USERNAME": name,
        "KETENMONITOR_KAFKA_PASSWORD": kafka.passwords[name],
        "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / name}.db",
        "KETENMONITOR_ADMIN_TOKEN": admin_token,
        "KETENMONITOR_PSEUDONYM_KEY": secrets.token_urlsafe(32),
        "KETENMONITOR_HTTP_PORT": str(port),
    }


def test_the_demo_runs_on_the_secured_broker_with_each_services_own_login(
    secure_kafka: SecureKafka, tmp_path: Path
) -> None:
    ports = dict(zip(("registry", "ingest", "linkage"), free_ports(3), strict=True))
    admin_token = secrets.token_urlsafe(32)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, port in ports.items():
            env = _service_env(secure_kafka, name, tmp_path, port, admin_token)
            processes.append(start_service(name, env, port, log=tmp_path / f"{name}.log"))
        partners = {
            partner: SASLScram512(partner, secure_kafka.passwords[partner])
            for partner in ("coa", "duo", "stats")
        }
        table = load_demo(
            urls={name: f"http://127.0.0.1:{port}" for name, port in ports.items()},
            admin_token=admin_token,
            bootstrap=secure_kafka.bootstrap,
            per_municipality=20,
            partners=partners,
        )
        as_of = date.fromisoformat(table["as_of"])
        assert table["rows"] == ground_truth(demo_people(20), as_of)["rows"]
        # CBS reads the result downstream with its own login.
        cbs = secure_kafka.login("cbs")
        (record,) = asyncio.run(
            read_topic(secure_kafka.bootstrap, "monitoring.records.v1", count=1, **cbs)
        )[:1]
        assert dict(record.headers)["ce_type"] == MONITORING_RECORD.encode()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(30)
    logs = "".join((tmp_path / f"{n}.log").read_text(errors="replace") for n in ports)
    assert "AuthorizationFailed" not in logs, logs[-3000:]
    for secret in [*secure_kafka.passwords.values(), secure_kafka.admin_password]:
        assert secret not in logs


def test_provisioning_revokes_a_grant_the_rules_no_longer_make(secure_kafka: SecureKafka) -> None:
    prefix = "revoke."
    login = AdminLogin(secure_kafka.bootstrap, secure_kafka.admin_password)
    asyncio.run(provision(login, {}, name_prefix=prefix))
    stray = AclBinding(
        ResourceType.TOPIC,
        prefix + "feeds.duo.v1",
        ResourcePatternType.LITERAL,
        "User:coa",
        "*",
        AclOperation.WRITE,
        AclPermissionType.ALLOW,
    )
    admin = AdminClient(login.confluent_config())
    for future in admin.create_acls([stray]).values():
        future.result()
    duo_feed = prefix + "feeds.duo.v1"

    def coa_writes() -> str:
        return asyncio.run(_produce(secure_kafka.bootstrap, duo_feed, secure_kafka.login("coa")))

    eventually_sync(lambda: coa_writes() == "ok", timeout=30, message="the stray grant works")
    asyncio.run(provision(login, {}, name_prefix=prefix))
    assert coa_writes() == TopicAuthorizationFailedError.__name__
    # Grants of another prefix (the probes') are not this provisioning's to touch.
    assert produce(secure_kafka, "feeds.coa.v1", secure_kafka.login("coa")) == "ok"


def test_the_operator_cli_lists_and_replays_as_the_operator_principal(
    secure_kafka: SecureKafka,
) -> None:
    def deadletters(*args: str, **login: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KETENMONITOR_KAFKA")}
        env.update(login)
        return subprocess.run(
            [sys.executable, "-m", "ketentools.cli", "deadletters", *(args or ("list",))],
            env={**env, "KAFKA_BOOTSTRAP_SERVERS": secure_kafka.bootstrap},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    # A dead letter as linkage makes one, of an event it refused on records.coa.v1.
    letter = [("x-original-topic", b"records.coa.v1"), ("x-error-code", b"field_invalid")]
    linkage = secure_kafka.login("linkage")
    assert asyncio.run(_produce(secure_kafka.bootstrap, "deadletter.v1", linkage, letter)) == "ok"
    operator = {
        "KETENMONITOR_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KETENMONITOR_KAFKA_USERNAME": "operator",
        "KETENMONITOR_KAFKA_PASSWORD": secure_kafka.passwords["operator"],
    }
    listed = deadletters(**operator)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "dead letter(s) on deadletter.v1" in listed.stdout
    assert "records.coa.v1  field_invalid" in listed.stdout
    before = asyncio.run(
        topic_size(secure_kafka.bootstrap, "records.coa.v1", **secure_kafka.admin())
    )
    replayed = deadletters("replay", "--reason", "field_invalid", **operator)
    assert replayed.returncode == 0, replayed.stderr[-2000:]
    assert "replayed 1" in replayed.stdout
    after = asyncio.run(
        topic_size(secure_kafka.bootstrap, "records.coa.v1", **secure_kafka.admin())
    )
    assert after == before + 1
    # The operator can do nothing else, e.g. not write a feed.
    feed = asyncio.run(
        _produce(secure_kafka.bootstrap, "feeds.coa.v1", secure_kafka.login("operator"))
    )
    assert feed == TopicAuthorizationFailedError.__name__
    anonymous = deadletters()
    assert anonymous.returncode != 0
    assert "KETENMONITOR_KAFKA_SECURITY_PROTOCOL" in anonymous.stderr


async def _produce_any(bootstrap: str, topic: str, login: dict[str, Any]) -> str:
    """Like ``_produce``, but a TLS failure (not a Kafka error) counts as refused too."""
    try:
        return await asyncio.wait_for(_produce(bootstrap, topic, login), 30)
    except (OSError, TimeoutError) as exc:
        return type(exc).__name__


def test_partners_come_in_over_tls_with_scram_only(secure_kafka: SecureKafka) -> None:
    tls = secure_kafka.tls_bootstrap
    # Provisioning runs over SASL_SSL too, the admin logging in with SCRAM.
    over_tls = AdminLogin(
        tls,
        secure_kafka.admin_password,
        security_protocol="SASL_SSL",
        mechanism="SCRAM-SHA-512",
        ca_file=secure_kafka.ca_file,
    )
    asyncio.run(provision(over_tls, {"coa": secure_kafka.passwords["coa"]}, name_prefix=PROBE))
    # COA as production settings describe it: SCRAM-SHA-512 over SASL_SSL, trusting the CA.
    coa = ServiceSettings(
        env="production",
        admin_token=secrets.token_urlsafe(32),  # type: ignore[arg-type]
        kafka_security_protocol="SASL_SSL",
        kafka_username="coa",
        kafka_password=secure_kafka.passwords["coa"],  # type: ignore[arg-type]
        kafka_ssl_cafile=secure_kafka.ca_file,
    ).kafka_client_options()
    assert asyncio.run(_produce_any(tls, PROBE + "feeds.coa.v1", coa)) == "ok"
    # Without the CA the broker's certificate is not trusted: no connection.
    untrusted = {**coa, "ssl_context": ssl.create_default_context()}
    assert asyncio.run(_produce_any(tls, PROBE + "feeds.coa.v1", untrusted)) != "ok"
    # The TLS listener offers SCRAM only: not the admin's PLAIN, and no plaintext at all.
    plain = {
        **secure_kafka.admin(),
        "security_protocol": "SASL_SSL",
        "ssl_context": coa["ssl_context"],
    }
    assert asyncio.run(_produce_any(tls, PROBE + "feeds.coa.v1", plain)) != "ok"
    cleartext = {**secure_kafka.login("coa")}
    assert asyncio.run(_produce_any(tls, PROBE + "feeds.coa.v1", cleartext)) != "ok"
