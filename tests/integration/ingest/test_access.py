"""Who may deliver, release and read: decided from ingest's own projection of the registry."""

from __future__ import annotations

import asyncio

from ketenkit import Outgoing
from tests.helpers import eventually_sync, topic_size

from .conftest import Ingest, publish
from .test_deliveries import rows


def test_withdrawn_contact_token_stops_working_when_its_event_arrives(
    ingest_sqlite: Ingest,
) -> None:
    ingest = ingest_sqlite
    contact_id, token = ingest.contact("GM0344")
    assert ingest.upload(token, rows("111222333")).status_code == 202
    ingest.contact("GM0344", status="withdrawn", contact_id=contact_id, token=token)
    refused = ingest.upload(token, rows("111222333"))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"


def test_a_new_token_replaces_the_old_and_an_erased_contact_is_dropped(
    ingest_sqlite: Ingest,
) -> None:
    ingest = ingest_sqlite
    contact_id, old = ingest.contact("GM0344")
    # The registry's state after POST /v1/contacts/{id}/token: same contact, another hash.
    _, new = ingest.contact("GM0344", contact_id=contact_id)
    assert ingest.client.get("/v1/deliveries", headers=ingest.auth(old)).status_code == 401
    assert ingest.client.get("/v1/deliveries", headers=ingest.auth(new)).status_code == 200
    # DELETE /v1/contacts/{id}: a tombstone for its key; ingest forgets the contact.
    topic = ingest.settings.topic("registry.contacts.v1")
    tombstone = Outgoing(topic=topic, key=contact_id, headers=(), value=None)
    asyncio.run(publish(ingest.bootstrap, [tombstone]))
    eventually_sync(
        lambda: ingest.client.get("/v1/deliveries", headers=ingest.auth(new)).status_code == 401,
        message="erased contact dropped",
    )
    letters = ingest.settings.topic("deadletter.v1")
    assert asyncio.run(topic_size(ingest.bootstrap, letters)) == 0  # a tombstone is no poison


def test_upload_release_and_read_access_per_kind_of_caller(ingest_sqlite: Ingest) -> None:
    ingest = ingest_sqlite
    _, own = ingest.contact("GM0344")
    _, other = ingest.contact("GM0363")
    _, pending = ingest.contact("GM0344", status="pending", wait=False)
    delivery = ingest.upload(own, rows("111222333")).json()["delivery_id"]
    release = f"/v1/deliveries/{delivery}/release"
    callers = {
        "anonymous": {},
        "wrong": ingest.auth("nope"),
        "pending": ingest.auth(pending),
        "other": ingest.auth(other),
        "admin": ingest.admin(),
        "own": ingest.auth(own),
    }
    expected = {
        "upload": {
            "anonymous": 401,
            "wrong": 401,
            "pending": 401,
            "other": 403,
            "admin": 403,
            "own": 202,
        },
        "get": {
            "anonymous": 401,
            "wrong": 401,
            "pending": 401,
            "other": 403,
            "admin": 200,
            "own": 200,
        },
        "report": {
            "anonymous": 401,
            "wrong": 401,
            "pending": 401,
            "other": 403,
            "admin": 200,
            "own": 200,
        },
        "list": {
            "anonymous": 401,
            "wrong": 401,
            "pending": 401,
            "other": 200,
            "admin": 200,
            "own": 200,
        },
        "overdue": {
            "anonymous": 401,
            "wrong": 401,
            "pending": 401,
            "other": 200,
            "admin": 200,
            "own": 200,
        },
        "release": {
            "anonymous": 401,
            "wrong": 401,
            "pending": 401,
            "other": 403,
            "admin": 403,
            "own": 200,
        },
    }
    mismatches = []
    for caller, headers in callers.items():
        got = {
            "upload": ingest.client.post(
                "/v1/deliveries",
                params={"municipality": "GM0344", "quarter": "2025-Q2"},
                content=rows("123456782"),
                headers={**headers, "content-type": "text/csv"},
            ),
            "get": ingest.client.get(f"/v1/deliveries/{delivery}", headers=headers),
            "report": ingest.client.get(f"/v1/deliveries/{delivery}/report", headers=headers),
            "list": ingest.client.get("/v1/deliveries", headers=headers),
            "overdue": ingest.client.get("/v1/deliveries/overdue", headers=headers),
            "release": ingest.client.post(release, headers=headers),
        }
        for endpoint, response in got.items():
            if response.status_code != expected[endpoint][caller]:
                mismatches.append(
                    (endpoint, caller, expected[endpoint][caller], response.status_code)
                )
    assert mismatches == []
    # A contact of another municipality sees none of GM0344's deliveries.
    assert ingest.client.get("/v1/deliveries", headers=ingest.auth(other)).json() == []
    assert (
        ingest.client.get(
            "/v1/deliveries", params={"municipality": "GM0344"}, headers=ingest.auth(other)
        ).status_code
        == 403
    )
