"""The BSN exists only in the upload and in feeds.*: not in other topics, tables or logs."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import create_engine, inspect, text

from contracts import CATALOGUE, Envelope, Pseudonymiser
from ketenkit import Outgoing
from tests.helpers import read_topic

from .conftest import PSEUDONYM_KEY, Ingest, publish
from .test_deliveries import HEADER

P = Pseudonymiser.from_text(PSEUDONYM_KEY)

BSNS = ["111222333", "123456782", "100000010"]


async def everything_on(bootstrap: str, topics: list[str]) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    blobs: list[bytes] = []
    try:
        while batches := await consumer.getmany(timeout_ms=1500):
            for records in batches.values():
                for r in records:
                    blobs.append(
                        (r.key or b"") + (r.value or b"") + b"".join(v for _, v in r.headers)
                    )
    finally:
        await consumer.stop()
    return blobs


def test_no_bsn_outside_uploads_and_feeds(
    ingest_sqlite: Ingest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ingest = ingest_sqlite
    caplog.set_level(logging.INFO)  # the services log at INFO; see ketenkit.serve
    _, token = ingest.contact("GM0344")
    body = (
        HEADER + f"{BSNS[0]};GM0344;gezinsmigrant;2025-01-06;2025-03-10;b1\n"
        f"{BSNS[0]};GM0344;gezinsmigrant;;;\n"
        f"{BSNS[1][:-1]}9;GM0344;gezinsmigrant;;;\n"
        f"{BSNS[2]};GM9999;toerist;2025-13-01;;\n"
    )
    delivery = ingest.upload(token, body).json()
    ingest.client.post(
        f"/v1/deliveries/{delivery['delivery_id']}/release",
        params={"accept_partial": "true"},
        headers=ingest.auth(token),
    )
    coa = ingest.settings.topic("feeds.coa.v1")
    bad = Envelope(
        id="p-1",
        source="urn:nld:coa:feed",
        type="nl.coa.vergunninghouder.gewijzigd",
        data={"bsn": BSNS[1], "datum_koppeling": "x"},
    )
    stats = ingest.settings.topic("feeds.stats.v1")
    month = {"maand": "2025-03", "categorie": "bijstand", "gewijzigd_op": "2025-04-20T06:00:00Z"}
    months = [
        Envelope(
            id=f"s-{n}",
            source="urn:nld:cbs:stats",
            type="nl.cbs.sociaaleconomisch.maand",
            data={"bsn": bsn, **month, **change},
        )
        for n, (bsn, change) in enumerate([(BSNS[0], {}), (BSNS[2], {"maand": "2025-13"})])
    ]
    asyncio.run(
        publish(
            ingest.bootstrap,
            [
                Outgoing.event(coa, bad, BSNS[1]),
                *(Outgoing.event(stats, e, str(e.data["bsn"])) for e in months if e.data),
            ],
        )
    )
    stats_records = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("records.stats.v1"), count=1)
    )
    assert stats_records[0].key == P.pseudonymise(BSNS[0]).encode()
    report = ingest.client.get(
        f"/v1/deliveries/{delivery['delivery_id']}/report", headers=ingest.auth(token)
    )
    csv_report = ingest.client.get(
        f"/v1/deliveries/{delivery['delivery_id']}/report",
        headers={**ingest.auth(token), "accept": "text/csv"},
    )
    wanted = [ingest.settings.topic(t.name) for t in CATALOGUE if not t.name.startswith("feeds.")]
    blobs = asyncio.run(everything_on(ingest.bootstrap, wanted))
    assert len(blobs) >= 4  # records, delivery events and the dead letter were really read

    database = ingest.settings.database_url.replace("+aiosqlite", "")
    engine = create_engine(database)
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                blobs.append(repr(tuple(row)).encode())
    engine.dispose()
    blobs += [report.content, csv_report.content, ingest.client.get("/metrics").content]
    blobs += [
        record.getMessage().encode() + repr(record.__dict__).encode() for record in caplog.records
    ]
    for bsn in [*BSNS, BSNS[1][:-1] + "9"]:
        leaks = [blob[:120] for blob in blobs if bsn.encode() in blob]
        assert leaks == [], f"{bsn[-4:]} leaked"
    assert b"*****2333" in report.content


# A BSN with a leading zero that a spreadsheet wrote as 8 digits, and a BSN in other forms.
ZERO_LED = "010015838"
FORMS = {
    "8 digits": ZERO_LED.lstrip("0"),
    "spaced": "123 456 782",
    "dotted": "123.456.782",
    "dashed": "111-222-333",
    "padded": "0" + BSNS[2],
}
ESCAPED = "".join(f"\\u{ord(c):04x}" for c in BSNS[1])  # \u0031\u0032... as JSON may write it


def _leaks(blobs: list[bytes]) -> list[str]:
    found = []
    for name, form in [*FORMS.items(), *((bsn, bsn) for bsn in [*BSNS, ZERO_LED])]:
        digits = "".join(ch for ch in form if ch.isdigit())
        for blob in blobs:
            if form.encode() in blob or digits.lstrip("0").encode() in blob:
                found.append(f"{name}: {blob[:160]!r}")
    return found


def test_every_form_of_a_bsn_is_masked_in_reports_dead_letters_and_records(
    ingest_sqlite: Ingest, caplog: pytest.LogCaptureFixture
) -> None:
    ingest = ingest_sqlite
    caplog.set_level(logging.INFO)
    _, token = ingest.contact("GM0344")
    swapped = "".join(f"{BSNS[0]};{form};gezinsmigrant;;;\n" for form in FORMS.values())
    in_bsn = "".join(f"{form};GM0344;gezinsmigrant;;;\n" for form in FORMS.values())
    header = HEADER.rstrip("\n") + f";{FORMS['spaced']}\n"  # a column named like a BSN
    csv_delivery = ingest.upload(token, header + swapped + in_bsn).json()
    ndjson = (
        f'{{"bsn": "{BSNS[2]}", "gemeentecode": "{ESCAPED}", "doelgroep": "gezinsmigrant"}}\n'
        f'{{"bsn": "{ESCAPED}", "gemeentecode": "GM0344", "doelgroep": "gezinsmigrant"}}\n'
    )
    json_delivery = ingest.upload(
        token, ndjson, content_type="application/x-ndjson", quarter="2025-Q3"
    ).json()
    reports = [
        ingest.client.get(
            f"/v1/deliveries/{d['delivery_id']}/report", headers={**ingest.auth(token), **accept}
        ).content
        for d in (csv_delivery, json_delivery)
        for accept in ({}, {"accept": "text/csv"})
    ]
    assert all(b"bsn_invalid" in r or b"municipality_unknown" in r for r in reports)

    coa, duo = ingest.settings.topic("feeds.coa.v1"), ingest.settings.topic("feeds.duo.v1")
    events = [
        Outgoing.event(
            coa,
            Envelope(
                id=f"f-{name}",
                source="urn:nld:coa:feed",
                type="nl.coa.vergunninghouder.gewijzigd",
                data={
                    "bsn": BSNS[0],
                    "datum_verblijfsvergunning": "2024-02-01",
                    "gemeentecode_koppeling": form,  # a BSN in the wrong field
                    "datum_koppeling": "2024-03-15",
                    "gewijzigd_op": "2024-07-01T09:30:00Z",
                },
            ),
            BSNS[0],
        )
        for name, form in FORMS.items()
    ]
    escaped = Outgoing.event(
        duo,
        Envelope(id="f-esc", source="urn:nld:duo:feed", type="nl.duo.examen.uitslag", data={}),
        None,
    )
    events.append(
        replace(escaped, value=f'{{"bsn": "{ESCAPED}", "onderdeel": "{ESCAPED}"}}'.encode())
    )
    withdrawal = Envelope(
        id="f-toelichting",
        source="urn:nld:duo:feed",
        type="nl.duo.inburgeringsplicht.ingetrokken",
        data={"bsn": BSNS[2], "datum": "2024-02-10", "toelichting": f"zie {FORMS['dotted']}"},
    )
    events.append(Outgoing.event(duo, withdrawal, BSNS[2]))
    asyncio.run(publish(ingest.bootstrap, events))
    deadletter = ingest.settings.topic("deadletter.v1")
    letters = asyncio.run(read_topic(ingest.bootstrap, deadletter, count=len(FORMS) + 1))
    records = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("records.duo.v1"), count=1)
    )
    assert {dict(r.headers)["x-error-code"] for r in letters} == {b"field_invalid"}
    assert all(b"*****" in (r.value or b"") for r in letters)
    assert b"toelichting" not in (records[0].value or b"")

    blobs = reports + [
        (r.key or b"") + (r.value or b"") + b"".join(v for _, v in r.headers)
        for r in [*letters, *records]
    ]
    blobs += [
        record.getMessage().encode() + repr(record.__dict__).encode() for record in caplog.records
    ]
    assert _leaks(blobs) == []
