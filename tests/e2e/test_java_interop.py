"""The chain with a client nobody here wrote: the official CloudEvents Java SDK on Apache
kafka-clients (tests/interop/java, pinned by Maven) produces COA and DUO feed events as the
partners would, and reads records.* and monitoring.records.v1 back with its deserializer: every
attribute it parses equals what the Python side wrote."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts import derived_id, from_kafka
from contracts.envelope import rfc3339
from ketentools.demo import call, csv_for, people, register_contact, validated
from tests.helpers import AFTER_THE_DEMO_QUARTER, after_the_demo

from .conftest import Stack

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "tests" / "interop" / "java"
MUNICIPALITY = "GM0307"  # Amersfoort: no other test delivers for it
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def java() -> list[str]:
    """The command that runs the Java client (built once per session)."""
    if shutil.which("java") is None or shutil.which("mvn") is None:
        pytest.skip("Java and Maven are needed for the interoperability test (.ci/run has them)")
    subprocess.run(
        ["mvn", "-q", "-B", "-f", str(PROJECT / "pom.xml"), "clean", "package", "-DskipTests"],
        check=True,
        timeout=600,
    )
    classpath = (
        f"{PROJECT / 'target' / 'cloudevents-interop-1.0.0.jar'}:{PROJECT / 'target' / 'lib'}/*"
    )
    return ["java", "-cp", classpath, "nl.ketenmonitor.interop.Interop"]


def consume(
    java: list[str], bootstrap: str, topic: str, field: str, values: set[str]
) -> list[dict[str, str]]:
    out = subprocess.run(
        [*java, "consume", bootstrap, topic, field, ",".join(sorted(values))],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


async def python_view(bootstrap: str, topic: str, partition: int, offset: int) -> Any:
    """The same record as the project's own reader sees it."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        where = TopicPartition(topic, partition)
        consumer.assign([where])
        consumer.seek(where, offset)
        record = await consumer.getone()
        return record, from_kafka(record.key, record.headers, record.value)
    finally:
        await consumer.stop()


def assert_same_event(java_line: dict[str, str], stack: Stack, topic: str) -> dict[str, Any]:
    record, envelope = asyncio.run(
        python_view(stack.bootstrap, topic, int(java_line["partition"]), int(java_line["offset"]))
    )
    assert java_line["specversion"] == envelope.specversion
    assert (java_line["id"], java_line["source"], java_line["type"]) == (
        envelope.id,
        envelope.source,
        envelope.type,
    )
    # Java prints the instant in UTC; the same moment as the Python side's time.
    assert datetime.fromisoformat(java_line["time"]) == envelope.time
    assert java_line["subject"] == (envelope.subject or "")
    assert java_line["datacontenttype"] == "application/json"
    assert java_line["key"] == (record.key.decode() if record.key else "")
    assert java_line.get("ext:sequence") == envelope.sequence
    assert java_line.get("ext:traceparent") == envelope.traceparent
    assert json.loads(java_line["data"]) == envelope.data
    return {"envelope": envelope, "record": record}


def test_a_java_partner_s_events_become_records_the_java_sdk_reads_back(
    java: list[str], stack: Stack
) -> None:
    persons = [after_the_demo(p) for p in people(random.Random(307), 2)[:3]]
    for n, person in enumerate(persons):
        person.municipality = MUNICIPALITY
        person.doelgroep = "asielstatushouder" if n == 0 else "gezinsmigrant"
    urls = {s: stack.url(s) for s in ("registry", "ingest", "linkage")}
    token = register_contact(urls, stack.admin_token, MUNICIPALITY, role="primary", label="Java")
    for _ in range(120):  # ingest learns of the contact through Kafka
        try:
            delivery = call(
                "POST",
                f"{urls['ingest']}/v1/deliveries"
                f"?municipality={MUNICIPALITY}&quarter={AFTER_THE_DEMO_QUARTER}",
                token,
                csv_for(persons),
                "text/csv",
            )
            break
        except Exception:
            time.sleep(0.25)  # poll interval while waiting for that event
    delivery = validated(urls["ingest"], delivery, token)
    call("POST", f"{urls['ingest']}/v1/deliveries/{delivery['delivery_id']}/release", token, b"")

    # The partners' Java systems send their events with the SDK's serializer.
    sent: dict[str, tuple[str, str]] = {}  # derived record id -> (records topic, feed id)
    for n, p in enumerate(persons):
        changed = rfc3339(datetime.combine(p.notice, datetime.min.time(), tzinfo=UTC))
        duo = {
            "bsn": p.bsn,
            "datum_start_inburgeringsplicht": p.start.isoformat(),
            "datum_kennisgeving": p.notice.isoformat(),
            "doelgroep": p.doelgroep,
            "gewijzigd_op": changed,
        }
        events = [("duo", "urn:nld:duo:feed", "nl.duo.inburgeringsplicht.vastgesteld", duo)]
        if p.doelgroep == "asielstatushouder":
            coa = {
                "bsn": p.bsn,
                "datum_verblijfsvergunning": (p.start - timedelta(days=30)).isoformat(),
                "gemeentecode_koppeling": MUNICIPALITY,
                "datum_koppeling": (p.start - timedelta(days=10)).isoformat(),
                "datum_huisvesting": p.brp.isoformat(),
                "gewijzigd_op": changed,
            }
            events.append(("coa", "urn:nld:coa:feed", "nl.coa.vergunninghouder.gewijzigd", coa))
        for feed, source, kind, data in events:
            event_id = f"java-{feed}-{n}-{stack.prefix}"
            subprocess.run(
                [
                    *java,
                    "produce",
                    stack.bootstrap,
                    f"{stack.prefix}feeds.{feed}.v1",
                    p.bsn,
                    event_id,
                    source,
                    kind,
                    "2025-01-15T10:15:30.123+01:00",
                    TRACEPARENT if n == 0 else "",
                    json.dumps(data),
                ],
                check=True,
                timeout=120,
            )
            sent[derived_id(source, event_id)] = (f"{stack.prefix}records.{feed}.v1", event_id)

    # The records ingest derived, read by the SDK's deserializer, equal the Python side's view.
    pseudonyms: set[str] = set()
    for topic in sorted({t for t, _ in sent.values()}):
        wanted = {rid for rid, (t, _) in sent.items() if t == topic}
        lines = consume(java, stack.bootstrap, topic, "id", wanted)
        assert {line["id"] for line in lines} == wanted
        for line in lines:
            seen = assert_same_event(line, stack, topic)
            assert seen["envelope"].source == "urn:nld:ketenmonitor:ingest"
            assert "ext:partnerref" not in line  # dropped by design, counted by ingest
            pseudonyms.add(line["subject"])
            assert "bsn" not in json.loads(line["data"])
    assert len(pseudonyms) == len(persons)
    with urllib.request.urlopen(f"{urls['ingest']}/metrics") as response:  # noqa: S310
        metrics = response.read().decode()
    dropped = [
        line for line in metrics.splitlines() if line.startswith("ingest_extensions_dropped")
    ]
    assert any('source="duo"' in line and not line.endswith(" 0.0") for line in dropped), dropped
    traced = [rid for rid, (_, eid) in sent.items() if eid.startswith("java-duo-0-")]
    first = consume(java, stack.bootstrap, sent[traced[0]][0], "id", set(traced))[0]
    assert first["ext:traceparent"] == TRACEPARENT  # the trace context went along
    # 10:15:30.123+01:00 is 09:15:30.123 UTC, to the millisecond.
    assert first["time"] == "2025-01-15T09:15:30.123Z"

    # Linkage's monitoring records for those persons, read by the SDK as well.
    topic = f"{stack.prefix}monitoring.records.v1"
    lines = consume(java, stack.bootstrap, topic, "key", pseudonyms)
    assert {line["key"] for line in lines} == pseudonyms
    for line in lines:
        assert_same_event(line, stack, topic)
        assert len(line["ext:sequence"]) == 10  # zero-padded: orders as text
