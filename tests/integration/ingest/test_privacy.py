"""The BSN exists only in the upload and in feeds.*: not in other topics, tables or logs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import create_engine, inspect, text

from contracts import CATALOGUE, Envelope
from ketenkit import Outgoing

from .conftest import Ingest, publish
from .test_deliveries import HEADER

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
    asyncio.run(publish(ingest.bootstrap, [Outgoing.event(coa, bad, BSNS[1])]))
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
