"""COA and DUO feeds on the real broker: records out, poison to deadletter.v1, stream goes on."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

from aiokafka import AIOKafkaProducer

from contracts import Envelope, Pseudonymiser, derived_id
from ketenkit import Outgoing
from tests.helpers import eventually_sync, read_topic

from .conftest import PSEUDONYM_KEY, Ingest, publish

P = Pseudonymiser.from_text(PSEUDONYM_KEY)
COA = {
    "bsn": "111222333",
    "datum_verblijfsvergunning": "2024-02-01",
    "gemeentecode_koppeling": "GM0344",
    "datum_koppeling": "2024-03-15",
    "gewijzigd_op": "2024-07-01T09:30:00Z",
}
DUO = {
    "bsn": "123456782",
    "datum_start_inburgeringsplicht": "2024-01-15",
    "datum_kennisgeving": "2024-01-20",
    "doelgroep": "asielstatushouder",
    "gewijzigd_op": "2024-01-20T08:00:00Z",
}


def feed_event(topic: str, n: int, type_: str, data: dict[str, Any], source: str) -> Outgoing:
    envelope = Envelope(id=f"feed-{n}", source=source, type=type_, data=data)
    return Outgoing.event(topic, envelope, key=str(data.get("bsn", "")))


def raw(
    topic: str, key: bytes | None, headers: list[tuple[str, bytes]], value: bytes | None
) -> Outgoing:
    return Outgoing(topic, key.decode() if key else None, tuple(headers), value)


def test_feed_events_become_records_and_poison_is_dead_lettered(ingest_sqlite: Ingest) -> None:
    ingest = ingest_sqlite
    coa, duo = ingest.settings.topic("feeds.coa.v1"), ingest.settings.topic("feeds.duo.v1")
    good_headers = list(
        feed_event(coa, 0, "nl.coa.vergunninghouder.gewijzigd", COA, "urn:nld:coa:feed").headers
    )
    no_id = [(k, v) for k, v in good_headers if k != "ce_id"]
    messages = [
        feed_event(coa, 1, "nl.coa.vergunninghouder.gewijzigd", COA, "urn:nld:coa:feed"),
        raw(coa, b"111222333", good_headers, b"this is not json 111222333"),  # payload_unreadable
        raw(coa, b"111222333", no_id, json.dumps(COA).encode()),  # envelope_invalid
        raw(coa, b"111222333", good_headers, b"\xff\xfe\x00"),  # invalid UTF-8
        feed_event(coa, 2, "nl.coa.onbekend", COA, "urn:nld:coa:feed"),  # type_unknown
        feed_event(
            coa,
            3,
            "nl.coa.vergunninghouder.gewijzigd",
            {**COA, "bsn": "111222334"},
            "urn:nld:coa:feed",
        ),  # bsn_invalid
        feed_event(
            coa,
            4,
            "nl.coa.vergunninghouder.gewijzigd",
            {**COA, "gemeentecode_koppeling": "GM0457"},
            "urn:nld:coa:feed",
        ),  # municipality_unknown
        feed_event(duo, 5, "nl.duo.inburgeringsplicht.vastgesteld", DUO, "urn:nld:duo:feed"),
        feed_event(
            duo,
            6,
            "nl.duo.examen.uitslag",
            {"bsn": "123456782", "onderdeel": "lezen"},
            "urn:nld:duo:feed",
        ),  # field_missing
        feed_event(duo, 7, "nl.duo.inburgeringsplicht.vastgesteld", DUO, "urn:nld:duo:feed"),
    ]
    asyncio.run(publish(ingest.bootstrap, messages))
    letters = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("deadletter.v1"), count=7)
    )
    reasons = sorted(dict(r.headers)["x-error-code"].decode() for r in letters)
    assert reasons == sorted(
        [
            "payload_unreadable",
            "envelope_invalid",
            "payload_unreadable",
            "type_unknown",
            "bsn_invalid",
            "municipality_unknown",
            "field_missing",
        ]
    )
    for letter in letters:
        blob = (letter.key or b"") + (letter.value or b"") + b"".join(v for _, v in letter.headers)
        assert b"111222333" not in blob
        assert b"123456782" not in blob
        assert dict(letter.headers)["x-failed-by"] == b"ingest"
        assert letter.key in {
            None,
            P.pseudonymise("111222333").encode(),
            P.pseudonymise("123456782").encode(),
        }
    coa_records = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("records.coa.v1"), count=1)
    )
    assert coa_records[0].key.decode() == P.pseudonymise("111222333")
    assert dict(coa_records[0].headers)["ce_id"].decode() == derived_id(
        "urn:nld:coa:feed", "feed-1"
    )
    duo_records = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("records.duo.v1"), count=2)
    )
    assert {json.loads(r.value)["kind"] for r in duo_records} == {"vastgesteld"}
    metrics = eventually_sync(
        lambda: (
            (text := ingest.client.get("/metrics").text)
            and 'ingest_deadletters_total{reason="bsn_invalid",source="coa"} 1.0' in text
            and text
        )
    )
    assert 'ingest_records_total{outcome="accepted",source="duo"} 2.0' in metrics
    assert 'ingest_validation_errors_total{code="field_missing",source="duo"} 1.0' in metrics


def test_a_source_may_write_only_its_own_topic(ingest_sqlite: Ingest) -> None:
    ingest = ingest_sqlite
    coa, duo = ingest.settings.topic("feeds.coa.v1"), ingest.settings.topic("feeds.duo.v1")
    contacts = ingest.settings.topic("registry.contacts.v1")
    _, token = ingest.contact("GM0344")
    # An active contact for GM0363 that COA's login made up on the registry's topic.
    _, forged = ingest.contact("GM0363", source="urn:nld:coa:feed", wait=False)
    messages = [
        feed_event(duo, 1, "nl.duo.inburgeringsplicht.vastgesteld", DUO, "urn:nld:coa:feed"),
        feed_event(coa, 2, "nl.duo.inburgeringsplicht.vastgesteld", DUO, "urn:nld:duo:feed"),
        feed_event(duo, 3, "nl.onbekend.type", DUO, "urn:nld:coa:feed"),  # the source is first
        feed_event(coa, 4, "nl.coa.vergunninghouder.gewijzigd", COA, "urn:nld:coa:feed"),
    ]
    asyncio.run(publish(ingest.bootstrap, messages))
    letters = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("deadletter.v1"), count=4)
    )
    codes = sorted(
        (dict(r.headers)["x-original-topic"].decode(), dict(r.headers)["x-error-code"].decode())
        for r in letters
    )
    assert codes == sorted(
        [
            (duo, "source_mismatch"),
            (coa, "source_mismatch"),
            (duo, "source_mismatch"),
            (contacts, "source_mismatch"),
        ]
    )
    (record,) = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("records.coa.v1"), count=1)
    )
    assert record.key == P.pseudonymise("111222333").encode()
    # The forged contact was not applied: its token does not work, the real one does.
    assert ingest.client.get("/v1/deliveries", headers=ingest.auth(forged)).status_code == 401
    assert ingest.client.get("/v1/deliveries", headers=ingest.auth(token)).status_code == 200


async def _send_raw(
    bootstrap: str, topic: str, headers: list[tuple[str, bytes]], value: bytes
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=1_048_576)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"111222333", headers=headers)
    finally:
        await producer.stop()


def test_a_record_near_the_size_limit_is_dead_lettered_cut_to_fit(ingest_sqlite: Ingest) -> None:
    ingest = ingest_sqlite
    coa = ingest.settings.topic("feeds.coa.v1")
    headers = list(
        feed_event(coa, 90, "nl.coa.vergunninghouder.gewijzigd", COA, "urn:nld:coa:feed").headers
    )
    # A few hundred bytes under what the broker takes: its dead letter, with the x-… headers
    # added, would not fit any more.
    value = b'{"blob": "' + b"x" * (1_048_576 - 300) + b'"}'
    asyncio.run(_send_raw(ingest.bootstrap, coa, headers, value))
    asyncio.run(
        publish(
            ingest.bootstrap,
            [feed_event(coa, 91, "nl.coa.vergunninghouder.gewijzigd", COA, "urn:nld:coa:feed")],
        )
    )
    (letter,) = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("deadletter.v1"), count=1)
    )
    h = dict(letter.headers)
    assert h["x-error-code"] == b"field_missing"
    assert h["x-truncated"] == b"true"
    assert int(h["x-original-size"]) == len(value)
    assert letter.value is not None and len(letter.value) < len(value)
    # The stream went on: the next event became a record.
    asyncio.run(read_topic(ingest.bootstrap, ingest.settings.topic("records.coa.v1"), count=1))


def test_extension_attributes_other_than_the_trace_context_are_dropped_and_counted(
    ingest_sqlite: Ingest,
) -> None:
    ingest = ingest_sqlite
    coa = ingest.settings.topic("feeds.coa.v1")
    sent = feed_event(coa, 95, "nl.coa.vergunninghouder.gewijzigd", COA, "urn:nld:coa:feed")
    traced = replace(
        sent,
        headers=(
            *sent.headers,
            ("ce_traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            ("ce_coaexport", b"nightly"),
            ("ce_coabatch", b"17"),
        ),
    )
    asyncio.run(publish(ingest.bootstrap, [traced]))
    (record,) = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("records.coa.v1"), count=1)
    )
    headers = dict(record.headers)
    assert headers["ce_traceparent"].startswith(b"00-4bf92f35")
    assert "ce_coaexport" not in headers and "ce_coabatch" not in headers
    metrics = ingest.client.get("/metrics").text
    assert 'ingest_extensions_dropped_total{source="coa"} 2.0' in metrics
