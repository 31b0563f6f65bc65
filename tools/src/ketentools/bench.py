"""`make bench`: throughput, latency and memory on the real local broker (SPEC section 9).

Prints one table and writes it as JSON. Every rate is compared with the raw aiokafka
pass-through measured in the same run. Scale 1.0 runs a national year (a cohort of about
40,000 persons and all their events); `--scale 0.01` is a quick run.

    python -m ketentools.bench [--scale 1.0] [--postgres URL] [--out bench-results/bench.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts import (
    CATALOGUE,
    Envelope,
    Pseudonymiser,
    Topic,
    create_topics,
    sequence_text,
    to_kafka,
)
from ketenkit.local_kafka import LocalKafka, free_port
from ketentools.demo import call, cbs_month, until, validated
from ketentools.population import COHORTS, Person, generate
from ketentools.progress import progress, stage
from ketentools.simulate import HEADER, LAST_QUARTER, row

STATS_MONTHS = 12  # CBS's months per person in a year's run (SPEC: about 12 a year)
DEV_KEY = bytes(range(7, 39)).hex()  # the bench checks pseudonyms it computes itself
ADMIN = "bench-admin-token-" + "b" * 30


# -- plumbing -------------------------------------------------------------------------------------


async def topic_size(bootstrap: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


def wait_size(bootstrap: str, topic: str, count: int, timeout: float) -> float:
    """Seconds until ``topic`` holds ``count`` records (its progress shown meanwhile)."""
    started = time.monotonic()
    with progress(re.sub(r"^b[0-9a-f]{6}\.", "", topic), count) as shown:
        while (size := asyncio.run(topic_size(bootstrap, topic))) < count:
            shown.update_to(size)
            if time.monotonic() - started > timeout:
                raise SystemExit(f"bench: {topic} did not reach {count} records in {timeout}s")
            time.sleep(0.2)
        shown.update_to(count)
    return time.monotonic() - started


async def _consumed(bootstrap: str, group: str, topics: list[str]) -> tuple[int, int]:
    """(records ``group`` has committed, records on ``topics``)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p["partition"])
            for described in await admin.describe_topics(topics)
            for topic in [described["topic"]]
            for p in described["partitions"]
        ]
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
        done = sum(min(meta.offset, ends[tp]) for tp, meta in committed.items() if meta.offset >= 0)
        return done, sum(ends.values())
    finally:
        await consumer.stop()
        await admin.close()


def wait_consumed(
    bootstrap: str, group: str, topics: list[str], total: int, timeout: float
) -> float:
    """Seconds until consumer ``group`` has committed all ``total`` records on ``topics``."""
    started = time.monotonic()
    with progress(re.sub(r"^b[0-9a-f]{6}\.", "", group), total) as shown:
        while True:
            done, size = asyncio.run(_consumed(bootstrap, group, topics))
            shown.update_to(done)
            if size >= total and done >= size:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise SystemExit(f"bench: {group} did not consume {total} records in {timeout}s")
            time.sleep(0.2)


def drain_seconds(bootstrap: str, outputs: dict[str, int], timeout: float) -> float:
    """Seconds from a service's first output record until ``outputs`` (topic: count) are all
    there: its own work on a backlog produced beforehand, measured like the reference."""
    deadline = time.monotonic() + timeout
    while not any(asyncio.run(topic_size(bootstrap, topic)) for topic in outputs):
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: nothing on {', '.join(outputs)} in {timeout}s")
        time.sleep(0.02)
    started = time.monotonic()
    for topic, count in outputs.items():
        wait_size(bootstrap, topic, count, max(1.0, deadline - time.monotonic()))
    return time.monotonic() - started


def bulk_producer(bootstrap: str) -> AIOKafkaProducer:
    """The producer every phase uses: idempotent, acks=all, batching for throughput."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=10,
        max_batch_size=256 * 1024,
    )


#: A message as it goes on the wire: topic, key, value, headers.
Wire = tuple[str, bytes, bytes | None, list[tuple[str, bytes]]]


def encoded(messages: list[tuple[str, Envelope, str]]) -> list[Wire]:
    """The messages bound to Kafka: done before a measurement, as the senders (COA, DUO, CBS,
    on machines of their own) would, so the clock times the chain and not the load's making."""
    out: list[Wire] = []
    for topic, envelope, key in messages:
        record = to_kafka(envelope, key)
        out.append((topic, key.encode(), record.value, list(record.headers)))
    return out


async def produce(bootstrap: str, wire: list[Wire]) -> float:
    """Send messages already :func:`encoded`; the seconds the sending took."""
    producer = bulk_producer(bootstrap)
    await producer.start()
    started = time.monotonic()
    try:
        futures = []
        with progress("produced", len(wire)) as shown:
            for n, (topic, key, value, headers) in enumerate(wire, start=1):
                futures.append(await producer.send(topic, value, key=key, headers=headers))
                if n % 1000 == 0:
                    shown.update_to(n)
            await asyncio.gather(*futures)
            shown.update_to(len(wire))
    finally:
        await producer.stop()
    return time.monotonic() - started


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    port: int

    def peak_rss_mb(self) -> float:
        return memory_mb(self.process.pid, "VmHWM")


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """A memory figure of process ``pid`` from /proc (VmRSS now, VmHWM its peak), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith(field))
    return kb / 1024


@contextmanager
def service(name: str, *, bootstrap: str, prefix: str, database_url: str) -> Iterator[Service]:
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": prefix,
        "KETENMONITOR_DATABASE_URL": database_url,
        "KETENMONITOR_ADMIN_TOKEN": ADMIN,
        "KETENMONITOR_PSEUDONYM_KEY": DEV_KEY,
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_OUTBOX_POLL_SECONDS": "0.05",
    }
    # BENCH_PROFILE=<folder>: each service runs under cProfile, its profile written at exit.
    profile = os.environ.get("BENCH_PROFILE")
    command = [sys.executable, "-m", name]
    if profile:
        Path(profile).mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "ketentools.profiled", f"{profile}/{name}.prof", name]
    process = subprocess.Popen(  # noqa: S603 - our own service module
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"bench: {name} did not start") from None
            time.sleep(0.2)
    try:
        yield Service(name, process, port)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


# -- events ------------------------------------------------------------------------------------


def feed_events(people: list[Person], prefix: str) -> list[tuple[str, Envelope, str]]:
    out = []
    for p in people:
        changed = datetime.combine(p.notice, datetime.min.time(), tzinfo=UTC).isoformat()
        out.append(
            (
                prefix + "feeds.duo.v1",
                Envelope(
                    id=f"d{p.number}",
                    source="urn:nld:duo:feed",
                    type="nl.duo.inburgeringsplicht.vastgesteld",
                    data={
                        "bsn": p.bsn,
                        "datum_start_inburgeringsplicht": p.start.isoformat(),
                        "datum_kennisgeving": p.notice.isoformat(),
                        "doelgroep": p.doelgroep,
                        "gewijzigd_op": changed,
                    },
                ),
                p.bsn,
            )
        )
        for n, exam in enumerate(p.exams):
            out.append(
                (
                    prefix + "feeds.duo.v1",
                    Envelope(
                        id=f"e{p.number}-{n}",
                        source="urn:nld:duo:feed",
                        type="nl.duo.examen.uitslag",
                        data={
                            "bsn": p.bsn,
                            "onderdeel": exam.onderdeel,
                            "niveau": "B1",
                            "resultaat": exam.resultaat,
                            "datum_examen": exam.datum.isoformat(),
                        },
                    ),
                    p.bsn,
                )
            )
        # A year of CBS's registers: one category per month, twelve per person.
        for month in list(p.months)[:STATS_MONTHS]:
            event = cbs_month(f"s{p.number}-{month}", p.bsn, month, p.months[month])
            out.append((prefix + "feeds.stats.v1", event, p.bsn))
        if p.doelgroep == "asielstatushouder" and p.permit and p.koppeling:
            out.append(
                (
                    prefix + "feeds.coa.v1",
                    Envelope(
                        id=f"c{p.number}",
                        source="urn:nld:coa:feed",
                        type="nl.coa.vergunninghouder.gewijzigd",
                        data={
                            "bsn": p.bsn,
                            "datum_verblijfsvergunning": p.permit.isoformat(),
                            "gemeentecode_koppeling": p.municipality,
                            "datum_koppeling": p.koppeling.isoformat(),
                            "gewijzigd_op": changed,
                        },
                    ),
                    p.bsn,
                )
            )
    return out


def record_events(people: list[Person], prefix: str) -> list[tuple[str, Envelope, str]]:
    """What ingest would publish for these people (for linkage alone)."""
    pseudonymiser = Pseudonymiser.from_text(DEV_KEY)
    out = []
    for p in people:
        pseudonym = pseudonymiser.pseudonymise(p.bsn)
        base = {"pseudonym": pseudonym}
        out.append(
            (
                prefix + "records.municipal.v1",
                Envelope(
                    id=f"m{p.number}",
                    source="urn:nld:ketenmonitor:ingest",
                    type="nl.ketenmonitor.record.municipal",
                    subject=pseudonym,
                    data={
                        **base,
                        "municipality": p.municipality,
                        "quarter": str(LAST_QUARTER),
                        "delivery_id": "bench",
                        "release_sequence": 1,
                        "row": p.number + 1,
                        "gemeentecode": p.municipality,
                        "doelgroep": p.doelgroep,
                        "datum_eerste_pip": p.pip.isoformat() if p.pip else None,
                        "leerroute": p.leerroute if p.pip else None,
                    },
                ),
                pseudonym,
            )
        )
        for topic, envelope, _ in feed_events([p], ""):
            data = {k: v for k, v in (envelope.data or {}).items() if k != "bsn"}
            if topic == "feeds.coa.v1":
                kind, type_, target = None, "nl.ketenmonitor.record.coa", "records.coa.v1"
            elif topic == "feeds.stats.v1":
                kind, type_, target = None, "nl.ketenmonitor.record.stats", "records.stats.v1"
            else:
                kind = {
                    "nl.duo.inburgeringsplicht.vastgesteld": "vastgesteld",
                    "nl.duo.examen.uitslag": "examen_uitslag",
                }[envelope.type]
                type_, target = "nl.ketenmonitor.record.duo", "records.duo.v1"
            payload = {**base, **data, **({"kind": kind} if kind else {})}
            out.append(
                (
                    prefix + target,
                    Envelope(
                        id="r" + envelope.id,
                        source="urn:nld:ketenmonitor:ingest",
                        type=type_,
                        subject=pseudonym,
                        data=payload,
                    ),
                    pseudonym,
                )
            )
    return out


# -- measurements ---------------------------------------------------------------------------------


async def raw_passthrough(
    bootstrap: str, prefix: str, messages: list[tuple[str, Envelope, str]]
) -> float:
    """Reference: consume one topic and produce every record to another, plain aiokafka."""
    source, target = prefix + "feeds.duo.v1", prefix + "raw.out"
    await produce(bootstrap, encoded([(source, e, k) for _, e, k in messages]))
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=prefix + "raw",
        max_poll_records=2000,
    )
    producer = bulk_producer(bootstrap)
    await consumer.start()
    await producer.start()
    done, started = 0, time.monotonic()
    try:
        while done < len(messages):
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            futures = [
                await producer.send(target, r.value, key=r.key, headers=list(r.headers))
                for records in batches.values()
                for r in records
            ]
            await asyncio.gather(*futures)
            await consumer.commit()
            done += len(futures)
    finally:
        await consumer.stop()
        await producer.stop()
    return len(messages) / (time.monotonic() - started)


def ingest_rate(
    bootstrap: str, messages: list[tuple[str, Envelope, str]], folder: Path
) -> tuple[float, float]:
    """Ingest validating a backlog of feed events (produced before it starts, as the
    reference's input is), from its first record out to its last."""
    prefix = f"b{secrets.token_hex(3)}."
    asyncio.run(create_topics(bootstrap, name_prefix=prefix))
    events = [(prefix + t[t.index("feeds.") :], e, k) for t, e, k in messages]
    asyncio.run(produce(bootstrap, encoded(events)))
    outputs: dict[str, int] = {}
    for topic, *_ in events:
        out = prefix + "records." + topic.split("feeds.", 1)[1]
        outputs[out] = outputs.get(out, 0) + 1
    with service(
        "ingest",
        bootstrap=bootstrap,
        prefix=prefix,
        database_url=f"sqlite+aiosqlite:///{folder / (prefix + 'ingest.db')}",
    ) as ingest:
        seconds = drain_seconds(bootstrap, outputs, 900)
        return len(events) / seconds, ingest.peak_rss_mb()


def linkage_rate(bootstrap: str, people: list[Person], database_url: str) -> tuple[float, float]:
    """Linkage merging a backlog of records.* events, measured like :func:`ingest_rate`."""
    prefix = f"b{secrets.token_hex(3)}."
    asyncio.run(create_topics(bootstrap, name_prefix=prefix))
    events = record_events(people, prefix)
    asyncio.run(produce(bootstrap, encoded(events)))
    with service(
        "linkage", bootstrap=bootstrap, prefix=prefix, database_url=database_url
    ) as linkage:
        # From its first record out until it has applied every event (a person's record has
        # several versions as CBS's months arrive, so the records out are no count of the work).
        drain_seconds(bootstrap, {prefix + "monitoring.records.v1": 1}, 1800)
        started = time.monotonic()
        topics = sorted({topic for topic, *_ in events})
        wait_consumed(bootstrap, f"{prefix}linkage.records", topics, len(events), 1800)
        return len(events) / (time.monotonic() - started), linkage.peak_rss_mb()


async def _latency(
    bootstrap: str,
    prefix: str,
    events: list[tuple[str, Envelope, str]],
    pseudonyms: dict[str, str],
    rate: float,
) -> list[float]:
    """Send feed events at ``rate`` per second; seconds from each send to its monitoring record."""
    consumer = AIOKafkaConsumer(
        prefix + "monitoring.records.v1",
        bootstrap_servers=bootstrap,
        auto_offset_reset="latest",
        enable_auto_commit=False,
    )
    await consumer.start()
    await consumer.seek_to_end()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    sent: dict[str, float] = {}
    latencies: list[float] = []

    async def receive() -> None:
        while len(latencies) < len(events):
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    key = record.key.decode()
                    if key in sent and record.value:
                        latencies.append(record.timestamp / 1000 - sent.pop(key))

    receiver = asyncio.create_task(receive())
    try:
        started = time.monotonic()
        for n, (topic, envelope, key) in enumerate(events):
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            record = to_kafka(envelope, key)
            sent[pseudonyms[key]] = time.time()
            await producer.send(topic, record.value, key=key.encode(), headers=list(record.headers))
        await asyncio.wait_for(receiver, timeout=120)
    finally:
        receiver.cancel()
        await producer.stop()
        await consumer.stop()
    return latencies


def end_to_end_latency(
    bootstrap: str, people: list[Person], folder: Path, rate: float
) -> dict[str, float]:
    """Ingest and linkage running; persons already known to linkage from their municipal and
    COA records; their DUO obligation arrives on the feed at ``rate`` per second."""
    prefix = f"b{secrets.token_hex(3)}."
    asyncio.run(create_topics(bootstrap, name_prefix=prefix))
    pseudonymiser = Pseudonymiser.from_text(DEV_KEY)
    known = [
        (t, e, k) for t, e, k in record_events(people, prefix) if not t.endswith("records.duo.v1")
    ]
    duo = [
        (t, e, k)
        for t, e, k in feed_events(people, prefix)
        if e.type == "nl.duo.inburgeringsplicht.vastgesteld"
    ]
    pseudonyms = {p.bsn: pseudonymiser.pseudonymise(p.bsn) for p in people}
    with (
        service(
            "ingest",
            bootstrap=bootstrap,
            prefix=prefix,
            database_url=f"sqlite+aiosqlite:///{folder / (prefix + 'i.db')}",
        ),
        service(
            "linkage",
            bootstrap=bootstrap,
            prefix=prefix,
            database_url=f"sqlite+aiosqlite:///{folder / (prefix + 'l.db')}",
        ),
    ):
        asyncio.run(produce(bootstrap, encoded(known)))
        time.sleep(3)  # let linkage take the known records in before the clock starts
        latencies = sorted(asyncio.run(_latency(bootstrap, prefix, duo, pseudonyms, rate)))

    def pick(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)

    return {"p50_ms": pick(0.5), "p99_ms": pick(0.99), "events": len(latencies)}


def contact_events(prefix: str, tokens: dict[str, str]) -> list[tuple[str, Envelope, str]]:
    """An approved primary contact per municipality with the given tokens, as the registry
    would publish it (the benchmark runs ingest without the registry)."""
    import hashlib

    now = datetime.now(UTC)
    contacts = []
    for n, (code, token) in enumerate(tokens.items()):
        state = {
            "contact_id": f"c{n}",
            "status": "active",
            "role": "primary",
            "municipality_codes": [code],
            "berichtgever": {"name": code, "kind": "gemeente"},
            "name": "Bench",
            "email": "b@example.nl",
            "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
            "registered_at": now.isoformat(),
            "updated_at": now.isoformat(),
        }
        contacts.append(
            (
                prefix + "registry.contacts.v1",
                Envelope(
                    id=f"c{n}-1",
                    source="urn:nld:ketenmonitor:registry",
                    type="nl.ketenmonitor.contact.approved",
                    subject=f"c{n}",
                    sequence=sequence_text(1),
                    data=state,
                ),
                f"c{n}",
            )
        )
    return contacts


def national_year(
    bootstrap: str, people: list[Person], folder: Path, at_once: int = 1
) -> dict[str, Any]:
    """Every municipality uploads and releases its quarter over HTTP while COA, DUO and CBS send
    their events; seconds until linkage has applied every one of them (every complete person's
    record out, and its last version after the enrichment)."""
    prefix = f"b{secrets.token_hex(3)}."
    asyncio.run(create_topics(bootstrap, name_prefix=prefix))
    by_code: dict[str, list[Person]] = {}
    for person in people:
        by_code.setdefault(person.municipality, []).append(person)
    tokens = {code: secrets.token_urlsafe(32) for code in by_code}
    # The partners' feed and the municipalities' files are made before the clock starts: the
    # senders' work on machines of their own, not the chain's.
    load = encoded(feed_events(people, prefix))
    files = {
        code: (
            "\n".join([HEADER, *(row(p, p.municipality, LAST_QUARTER) for p in persons)]) + "\n"
        ).encode()
        for code, persons in by_code.items()
    }
    contacts = contact_events(prefix, tokens)
    asyncio.run(produce(bootstrap, encoded(contacts)))
    with (
        service(
            "ingest",
            bootstrap=bootstrap,
            prefix=prefix,
            database_url=f"sqlite+aiosqlite:///{folder / (prefix + 'i.db')}",
        ) as ingest,
        service(
            "linkage",
            bootstrap=bootstrap,
            prefix=prefix,
            database_url=f"sqlite+aiosqlite:///{folder / (prefix + 'l.db')}",
        ) as linkage,
    ):
        base = f"http://127.0.0.1:{ingest.port}"
        last = next(iter(tokens.values()))
        until(  # ingest learns the contacts from the registry topic
            lambda: call("GET", f"{base}/v1/deliveries?limit=1", last) is not None,
            60,
            "ingest learning the contacts",
        )
        started = time.monotonic()
        feed = asyncio.run(produce(bootstrap, load))

        def deliver(code: str) -> None:
            url = f"{base}/v1/deliveries?municipality={code}&quarter={LAST_QUARTER}"
            delivery = call("POST", url, tokens[code], files[code], "text/csv", timeout=600)
            delivery = validated(base, delivery, tokens[code], timeout=1800)
            release = f"{base}/v1/deliveries/{delivery['delivery_id']}/release?accept_partial=true"
            call("POST", release, tokens[code], b"", timeout=600)

        # Municipalities deliver independently; ``at_once`` of them at a time (1: one by one).
        with ThreadPoolExecutor(at_once) as municipalities:
            list(municipalities.map(deliver, by_code))
        delivered = time.monotonic()
        complete = sum(1 for p in people if not p.withdrawn)
        wait_size(bootstrap, prefix + "monitoring.records.v1", complete, 1800)
        records = [prefix + t.name for t in CATALOGUE if t.name.startswith("records.")]
        applied = len(people) + len(load)
        wait_consumed(bootstrap, f"{prefix}linkage.records", records, applied, 1800)
        return {
            "seconds": round(time.monotonic() - started, 1),
            "feed_send_seconds": round(feed, 1),
            # every municipality's upload, validation and release, the feed flowing meanwhile
            "deliveries_seconds": round(delivered - started - feed, 1),
            "deliveries_at_once": at_once,
            "ingest_peak_rss_mb": round(ingest.peak_rss_mb()),
            "linkage_peak_rss_mb": round(linkage.peak_rss_mb()),
        }


def _rows_of(megabytes: float) -> Iterator[bytes]:
    """A CSV delivery of about ``megabytes`` MB: distinct valid BSNs, every row valid."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2)
    yield b"bsn;gemeentecode;doelgroep;datum_inschrijving_brp;datum_eerste_pip;leerroute\n"
    size, target, n, chunk = 0, megabytes * 1_000_000, 10_000_000, []
    while size < target:
        n += 1
        first = f"{n:08d}"
        check = sum(int(d) * w for d, w in zip(first, weights, strict=True)) % 11
        if check > 9:
            continue
        line = f"{first}{check};GM0344;gezinsmigrant;2025-01-06;2025-03-10;b1\n".encode()
        chunk.append(line)
        size += len(line)
        if len(chunk) == 10_000:
            yield b"".join(chunk)
            chunk = []
    yield b"".join(chunk)


def large_delivery(bootstrap: str, folder: Path, megabytes: float) -> dict[str, Any]:
    """Stream a delivery of ``megabytes`` MB to ingest over HTTP (chunked, as a municipality's
    software would); seconds until validated, and how much ingest's resident memory grew."""
    import http.client
    import threading

    prefix = f"b{secrets.token_hex(3)}."
    asyncio.run(create_topics(bootstrap, name_prefix=prefix))
    token = secrets.token_urlsafe(32)
    asyncio.run(produce(bootstrap, encoded(contact_events(prefix, {"GM0344": token}))))
    with service(
        "ingest",
        bootstrap=bootstrap,
        prefix=prefix,
        database_url=f"sqlite+aiosqlite:///{folder / (prefix + 'i.db')}",
    ) as ingest:
        base = f"http://127.0.0.1:{ingest.port}"
        until(
            lambda: call("GET", f"{base}/v1/deliveries?limit=1", token) is not None,
            60,
            "ingest learning the contact",
        )
        baseline = peak = memory_mb(ingest.process.pid)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.05):
                peak = max(peak, memory_mb(ingest.process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", ingest.port, timeout=3600)
        connection.request(
            "POST",
            "/v1/deliveries?municipality=GM0344&quarter=2025-Q2",
            body=_rows_of(megabytes),
            headers={"Authorization": f"Bearer {token}", "content-type": "text/csv"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
        answered = time.monotonic() - started
        if response.status >= 300:
            done.set()
            raise SystemExit(f"bench: the large delivery was refused: {answer}")
        answer = validated(base, answer, token, timeout=3600)  # validation goes on after
        seconds = time.monotonic() - started
        done.set()
        sampler.join()
        return {
            "megabytes": megabytes,
            "rows": answer["counts"]["rows"],
            "valid": answer["counts"]["valid"],
            "answered_after_seconds": round(answered, 1),
            "seconds": round(seconds, 1),
            "ingest_rss_growth_mb": round(peak - baseline),
        }


def fresh_postgres(admin_url: str) -> str:
    import asyncpg

    name = f"bench_{secrets.token_hex(4)}"

    async def create() -> None:
        connection = await asyncpg.connect(admin_url.replace("+asyncpg", ""))
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    asyncio.run(create())
    return admin_url.rsplit("/", 1)[0] + "/" + name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Ketenmonitor benchmark")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--cohort", type=int, default=2023)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "KETENMONITOR_TEST_POSTGRES_URL",
            "postgresql+asyncpg://ketenmonitor:ketenmonitor@127.0.0.1:5432/ketenmonitor_test",
        ),
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results/bench.json"))
    parser.add_argument(
        "--rate", type=float, default=200.0, help="offered load for the latency run"
    )
    parser.add_argument("--latency-events", type=int, default=3000)
    parser.add_argument(
        "--delivery-mb", type=float, default=200.0, help="size of the large-delivery run (0: skip)"
    )
    parser.add_argument(
        "--deliveries-at-once",
        type=int,
        default=1,
        help="municipalities delivering at the same time in the national year (1: one by one)",
    )
    parser.add_argument(
        "--only",
        choices=["large-delivery", "latency", "ingest", "linkage", "national-year"],
        help="run one measurement instead of all (ingest, linkage: the raw reference and that "
        "service's rate; linkage on SQLite and on PostgreSQL)",
    )
    args = parser.parse_args(argv)
    people = generate(
        scale=args.scale * 40_000 / sum(COHORTS[args.cohort]), seed=3, cohorts=(args.cohort,)
    )
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    kafka = None if bootstrap else LocalKafka(heap="1g")
    if kafka:
        bootstrap = kafka.start()
    assert bootstrap is not None
    results: dict[str, Any] = {
        "persons": len(people),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "started": datetime.now(UTC).isoformat(),
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            if args.only == "large-delivery":
                results["large_delivery"] = large_delivery(bootstrap, folder, args.delivery_mb)
                return _report(results, args.out)
            sample = people[: min(len(people), args.latency_events)]
            if args.only == "latency":
                latency = end_to_end_latency(bootstrap, sample, folder, args.rate)
                results[f"e2e_latency_at_{args.rate:g}_per_s"] = latency
                return _report(results, args.out)
            if args.only == "national-year":
                results["national_year"] = national_year(
                    bootstrap, people, folder, args.deliveries_at_once
                )
                return _report(results, args.out)
            feed = feed_events(people, "")
            results["events_feed"] = len(feed)
            prefix = f"b{secrets.token_hex(3)}."
            asyncio.run(create_topics(bootstrap, name_prefix=prefix))
            raw_out = Topic(
                name="raw.out", key="as read", partitions=6, cleanup_policy="delete", event_types={}
            )
            asyncio.run(create_topics(bootstrap, [raw_out], name_prefix=prefix))
            stage("raw aiokafka pass-through (the reference)")
            reference = asyncio.run(raw_passthrough(bootstrap, prefix, feed))
            results["raw_passthrough_events_per_s"] = round(reference)
            if args.only != "linkage":
                stage("ingest: feed validation")
                rate, rss = ingest_rate(bootstrap, feed, folder)
                results["ingest_feed_events_per_s"] = round(rate)
                results["ingest_ratio"] = round(rate / reference, 3)
                results["ingest_peak_rss_mb"] = round(rss)
                if args.only == "ingest":
                    return _report(results, args.out)
            stage("linkage on SQLite")
            rate, rss = linkage_rate(
                bootstrap, people, f"sqlite+aiosqlite:///{folder / 'linkage.db'}"
            )
            results["linkage_sqlite_events_per_s"] = round(rate)
            results["linkage_sqlite_ratio"] = round(rate / reference, 3)
            results["linkage_peak_rss_mb"] = round(rss)
            if args.only == "linkage":
                _postgres(results, bootstrap, people, reference, args.postgres)
                return _report(results, args.out)
            stage("a national year through ingest and linkage")
            results["national_year"] = national_year(
                bootstrap, people, folder, args.deliveries_at_once
            )
            stage("end-to-end latency")
            latency = end_to_end_latency(bootstrap, sample, folder, args.rate)
            results[f"e2e_latency_at_{args.rate:g}_per_s"] = latency
            _postgres(results, bootstrap, people, reference, args.postgres)
            if args.delivery_mb > 0:
                stage("a large delivery over HTTP")
                results["large_delivery"] = large_delivery(bootstrap, folder, args.delivery_mb)
    finally:
        if kafka:
            kafka.stop()
    _report(results, args.out)


def _postgres(
    results: dict[str, Any], bootstrap: str, people: list[Person], reference: float, url: str
) -> None:
    try:
        stage("linkage on PostgreSQL")
        rate, rss = linkage_rate(bootstrap, people, fresh_postgres(url))
        results["linkage_postgres_events_per_s"] = round(rate)
        results["linkage_postgres_ratio"] = round(rate / reference, 3)
        results["linkage_postgres_peak_rss_mb"] = round(rss)
    except (OSError, ImportError) as exc:
        results["linkage_postgres_events_per_s"] = f"not run: {exc}"


def _report(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    print(f"(written to {out})")


if __name__ == "__main__":
    main()
