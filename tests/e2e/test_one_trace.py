"""One trace across the chain: a delivery's upload, validation and release in ingest, and the
monitoring records linkage emits because of it, are one trace (OpenTelemetry, carried in the
CloudEvents traceparent), exported by the two processes to files of their own."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from ketentools.demo import (
    call,
    csv_for,
    feed_events,
    people,
    publish_feeds,
    register_contact,
    validated,
)
from tests.helpers import AFTER_THE_DEMO_QUARTER, after_the_demo, eventually_sync

from .conftest import Portal, Stack

pytestmark = pytest.mark.e2e
MUNICIPALITY = "GM0200"  # Apeldoorn: no other test delivers for it
BSN_SHAPED = re.compile(r"(?<![0-9a-f])\d{9}(?![0-9a-f])")


def spans(stack: Stack, service: str) -> list[dict[str, Any]]:
    path = stack.folder / f"traces-{service}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_a_released_delivery_and_the_records_it_completes_are_one_trace(
    stack: Stack, portal: Portal
) -> None:
    persons = [after_the_demo(p) for p in people(random.Random(200), 2)[:4]]
    for person in persons:
        person.municipality = MUNICIPALITY
    urls = {s: stack.url(s) for s in ("registry", "ingest", "linkage")}

    # COA and DUO first: the persons wait for their municipal record, which completes them.
    def waiting() -> int:
        url = f"{urls['linkage']}/v1/pending?missing=municipal&limit=100000"
        return len(call("GET", url, stack.admin_token))

    before = waiting()
    with ThreadPoolExecutor(1) as pool:
        feeds = feed_events(persons, stack.prefix, ids="one-trace")
        pool.submit(asyncio.run, publish_feeds(stack.bootstrap, feeds, None)).result()
    eventually_sync(
        lambda: waiting() >= before + len(persons),
        timeout=60,
        message="linkage holding the persons, waiting for their municipal record",
    )
    token = register_contact(urls, stack.admin_token, MUNICIPALITY, role="primary", label="Trace")
    # The contact delivers and releases through the portal, as a person would (no browser
    # needed here: the same forms, with their CSRF tokens).
    with httpx.Client(base_url=portal.url, timeout=60) as browser:

        def form_token(path: str) -> str:
            found = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path).text)
            assert found is not None
            return found.group(1)

        browser.post("/inloggen", data={"token": token, "csrf_token": form_token("/inloggen")})
        answer = None
        for _ in range(120):  # ingest learns of the contact through Kafka
            answer = browser.post(
                "/aanleveren",
                data={
                    "csrf_token": form_token("/aanleveren"),
                    "gemeente": MUNICIPALITY,
                    "kwartaal": AFTER_THE_DEMO_QUARTER,
                },
                files={"bestand": ("trace.csv", csv_for(persons), "text/csv")},
            )
            if answer.status_code == 303:
                break
            time.sleep(0.25)  # poll interval while the registry's event travels
        assert answer is not None and answer.status_code == 303, answer
        delivery_id = answer.headers["location"].rsplit("/", 1)[-1]
        delivery = validated(
            urls["ingest"], {"delivery_id": delivery_id, "status": "received"}, token
        )
        released = browser.post(
            f"/leveringen/{delivery_id}/vrijgeven",
            data={"csrf_token": form_token(f"/leveringen/{delivery_id}/vrijgeven")},
        )
        assert released.status_code == 303, released.text[:300]

    def release_span() -> dict[str, Any] | None:
        return next(
            (
                s
                for s in spans(stack, "ingest")
                if s["name"] == "delivery.release"
                and s["attributes"].get("delivery.id") == delivery["delivery_id"]
            ),
            None,
        )

    released = eventually_sync(release_span, timeout=30, message="the release's span exported")
    trace_id = released["context"]["trace_id"]
    mine = [s for s in spans(stack, "ingest") if s["context"]["trace_id"] == trace_id]
    assert {"delivery.upload", "delivery.validate", "delivery.release"} <= {s["name"] for s in mine}
    # The portal's upload request is the root of that trace; its release click links to it.
    linked_from = {link["context"]["trace_id"] for link in released["links"]}

    def portal_traces() -> set[str]:
        return {s["context"]["trace_id"] for s in spans(stack, "portal")}

    # The portal exports its request spans when they end, a moment after ingest's.
    eventually_sync(
        lambda: trace_id in portal_traces() and linked_from & portal_traces(),
        timeout=30,
        message="the portal's upload and release requests in its spans",
    )

    def linkage_spans() -> list[dict[str, Any]]:
        return [
            s
            for s in spans(stack, "linkage")
            if s["name"] == "linkage.record" and s["context"]["trace_id"] == trace_id
        ]

    linked = eventually_sync(
        lambda: len(linkage_spans()) >= len(persons) and linkage_spans(),
        timeout=90,
        message="linkage's record spans in the delivery's trace",
    )
    assert {s["resource"]["attributes"]["service.name"] for s in linked} == {"linkage"}

    # The database calls of the delivery's work are spans of its trace, each under the step
    # that made it; the relay publishing its events, and the consumer batches that read them
    # (FastStream's spans) link to it.
    by_id = {s["context"]["span_id"]: s for s in mine}
    queries = [s for s in mine if "db.system" in s["attributes"]]
    assert queries and all(q["parent_id"] in by_id for q in queries)
    assert {by_id[q["parent_id"]]["name"] for q in queries} >= {"delivery.validate"}

    def linking(service: str, name: str) -> list[dict[str, Any]]:
        return [
            s
            for s in spans(stack, service)
            if name in s["name"] and trace_id in {k["context"]["trace_id"] for k in s["links"]}
        ]

    eventually_sync(
        lambda: linking("ingest", "outbox.relay"), timeout=30, message="the relay's span"
    )
    (batch, *_) = eventually_sync(
        lambda: linking("linkage", "records.municipal.v1 process"),
        timeout=30,
        message="linkage's consumer span of the batch with the delivery's records",
    )
    assert batch["kind"] == "SpanKind.CONSUMER"
    assert not [
        s for s in spans(stack, "ingest") if "messaging.kafka.message.key" in s["attributes"]
    ]
    # A poll of an empty outbox, a readiness ping: no trace of one query.
    assert all(
        s["parent_id"]
        for s in spans(stack, "linkage") + spans(stack, "ingest")
        if "db.system" in s["attributes"]
    )
    # No BSN and no token in any span of any service.
    for service in ("portal", "ingest", "linkage"):
        text = (stack.folder / f"traces-{service}.jsonl").read_text()
        assert not [p.bsn for p in persons if p.bsn in text]
        assert token not in text and stack.admin_token not in text
        assert not BSN_SHAPED.findall(json.dumps([s["attributes"] for s in spans(stack, service)]))
