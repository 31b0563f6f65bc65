"""Deliveries end to end on the real broker, against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from fastapi.testclient import TestClient

from contracts import Pseudonymiser, create_topics, derived_id
from ingest.app import create_app
from tests.helpers import read_topic, topic_size

from .conftest import PSEUDONYM_KEY, Ingest, ingest_settings

HEADER = "bsn;gemeentecode;doelgroep;datum_inschrijving_brp;datum_eerste_pip;leerroute\n"
PERSONS = ["111222333", "123456782", "100000010"]
P = Pseudonymiser.from_text(PSEUDONYM_KEY)


def rows(*bsns: str, pip: str = "2025-03-10") -> str:
    return HEADER + "".join(f"{b};GM0344;gezinsmigrant;2025-01-06;{pip};b1\n" for b in bsns)


def records(ingest: Ingest, count: int) -> list:  # type: ignore[type-arg]
    return asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("records.municipal.v1"), count=count)
    )


def test_upload_report_and_release_publish_each_row_once(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    upload = ingest.upload(token, rows(*PERSONS))
    assert upload.status_code == 202, upload.text
    delivery = upload.json()
    assert (delivery["status"], delivery["counts"]["valid"], delivery["counts"]["invalid"]) == (
        "validated",
        3,
        0,
    )
    report = ingest.client.get(
        f"/v1/deliveries/{delivery['delivery_id']}/report", headers=ingest.auth(token)
    )
    assert report.json()["errors"] == []
    released = ingest.client.post(
        f"/v1/deliveries/{delivery['delivery_id']}/release", headers=ingest.auth(token)
    )
    assert released.status_code == 200
    assert released.json()["status"] == "released"
    again = ingest.client.post(
        f"/v1/deliveries/{delivery['delivery_id']}/release", headers=ingest.auth(token)
    )
    assert again.status_code == 200
    published = records(ingest, 3)
    assert sorted(r.key.decode() for r in published) == sorted(P.pseudonymise(b) for b in PERSONS)
    ids = {dict(r.headers)["ce_id"].decode() for r in published}
    assert ids == {
        derived_id("urn:nld:ketenmonitor:ingest", delivery["delivery_id"], n) for n in (1, 2, 3)
    }
    first = json.loads(published[0].value)
    assert first["release_sequence"] == 1
    assert first["quarter"] == "2025-Q2"
    assert "bsn" not in first
    assert (
        asyncio.run(topic_size(ingest.bootstrap, ingest.settings.topic("records.municipal.v1")))
        == 3
    )


def test_release_is_refused_while_rows_are_invalid_unless_partial(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    body = rows(PERSONS[0]) + "111222334;GM0344;gezinsmigrant;;;\n"
    delivery = ingest.upload(token, body).json()
    assert delivery["counts"]["invalid"] == 1
    url = f"/v1/deliveries/{delivery['delivery_id']}/release"
    refused = ingest.client.post(url, headers=ingest.auth(token))
    assert refused.status_code == 409
    assert refused.json()["code"] == "rows_invalid"
    partial = ingest.client.post(url, params={"accept_partial": "true"}, headers=ingest.auth(token))
    assert partial.status_code == 200
    assert [r.key.decode() for r in records(ingest, 1)] == [P.pseudonymise(PERSONS[0])]


def test_a_later_release_supersedes_and_retracts_missing_persons(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    first = ingest.upload(token, rows(*PERSONS)).json()
    ingest.client.post(f"/v1/deliveries/{first['delivery_id']}/release", headers=ingest.auth(token))
    second = ingest.upload(token, rows(PERSONS[0], PERSONS[1], pip="2025-03-11")).json()
    released = ingest.client.post(
        f"/v1/deliveries/{second['delivery_id']}/release", headers=ingest.auth(token)
    )
    assert released.json()["release_sequence"] == 2
    old = ingest.client.get(
        f"/v1/deliveries/{first['delivery_id']}", headers=ingest.auth(token)
    ).json()
    assert (old["status"], old["superseded_by"]) == ("superseded", second["delivery_id"])
    published = records(ingest, 6)
    types = [dict(r.headers)["ce_type"].decode() for r in published]
    assert types.count("nl.ketenmonitor.record.municipal") == 5
    (retracted,) = [r for r in published if dict(r.headers)["ce_type"].endswith(b".retracted")]
    assert retracted.key.decode() == P.pseudonymise(PERSONS[2])
    assert json.loads(retracted.value)["release_sequence"] == 2
    events = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("ingest.deliveries.v1"), count=7)
    )
    statuses = [dict(r.headers)["ce_type"].decode().rsplit(".", 1)[1] for r in events]
    assert statuses.count("superseded") == 1
    assert statuses.count("released") == 2


def test_nil_return_is_released_on_upload(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    nil = ingest.upload(token, b"", nil_return="true")
    assert nil.status_code == 202
    assert (nil.json()["status"], nil.json()["nil_return"], nil.json()["release_sequence"]) == (
        "released",
        True,
        1,
    )
    overdue = ingest.client.get(
        "/v1/deliveries/overdue", params={"as_of": "2026-01-01"}, headers=ingest.auth(token)
    ).json()
    assert "2025-Q2" not in {i["quarter"] for i in overdue["items"]}
    assert "2025-Q1" in {i["quarter"] for i in overdue["items"]}
    assert {i["municipality"] for i in overdue["items"]} == {"GM0344"}


def test_idempotency_key_returns_the_same_delivery(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    headers = {**ingest.auth(token), "content-type": "text/csv", "Idempotency-Key": "upload-42"}
    params = {"municipality": "GM0344", "quarter": "2025-Q2"}
    first = ingest.client.post(
        "/v1/deliveries", params=params, content=rows(PERSONS[0]), headers=headers
    )
    second = ingest.client.post(
        "/v1/deliveries", params=params, content=rows(PERSONS[0]), headers=headers
    )
    assert first.json()["delivery_id"] == second.json()["delivery_id"]
    listed = ingest.client.get(
        "/v1/deliveries", params={"municipality": "GM0344"}, headers=ingest.auth(token)
    )
    assert len(listed.json()) == 1
    # The same key with another body is a mistake, never the old delivery.
    other = ingest.client.post(
        "/v1/deliveries", params=params, content=rows(PERSONS[1]), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.json()["errors"][0]["loc"] == ["header", "idempotency-key"]
    # The key belongs to one municipality's quarter: another quarter is another delivery.
    q3 = ingest.client.post(
        "/v1/deliveries",
        params={**params, "quarter": "2025-Q3"},
        content=rows(PERSONS[1]),
        headers=headers,
    )
    assert q3.status_code == 202, q3.text
    assert q3.json()["delivery_id"] != first.json()["delivery_id"]


def test_file_level_problems_reject_the_delivery(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    cases = {
        "encoding_invalid": (HEADER + "111222333;GM0344;gezinsmigrant;;;\n").encode("utf-16"),
        "header_invalid": b"nummer;gemeente\n111222333;GM0344\n",
        "empty_delivery": HEADER.encode(),
    }
    for code, body in cases.items():
        response = ingest.upload(token, body)
        assert response.status_code == 202, (code, response.text)
        assert response.json()["status"] == "rejected", code
        report = ingest.client.get(
            f"/v1/deliveries/{response.json()['delivery_id']}/report", headers=ingest.auth(token)
        ).json()
        assert [(e["row"], e["code"]) for e in report["errors"]] == [(0, code)]
    empty = ingest.upload(token, b"")
    assert empty.json()["status"] == "rejected"
    # An empty body without any Content-Type is a delivery too (SPEC sections 10 and 11).
    bare = ingest.client.post(
        "/v1/deliveries",
        params={"municipality": "GM0344", "quarter": "2025-Q2"},
        headers=ingest.auth(token),
    )
    assert bare.status_code == 202, bare.text
    assert bare.json()["status"] == "rejected"
    report = ingest.client.get(
        f"/v1/deliveries/{bare.json()['delivery_id']}/report", headers=ingest.auth(token)
    ).json()
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(0, "empty_delivery")]
    untyped = ingest.client.post(
        "/v1/deliveries",
        params={"municipality": "GM0344", "quarter": "2025-Q2"},
        content=rows(PERSONS[0]).encode(),
        headers={**ingest.auth(token), "content-type": ""},
    )
    assert untyped.status_code == 415  # a body must say what it is


def test_request_problems_are_4xx(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    not_ended = ingest.upload(token, rows(PERSONS[0]), quarter="2099-Q1")
    assert (not_ended.status_code, not_ended.json()["code"]) == (422, "quarter_not_ended")
    bad_quarter = ingest.upload(token, rows(PERSONS[0]), quarter="2025-Q9")
    assert bad_quarter.status_code == 422
    wrong_type = ingest.upload(token, rows(PERSONS[0]), content_type="application/pdf")
    assert wrong_type.status_code == 415
    assert wrong_type.headers["content-type"] == "application/problem+json"
    bad_code = ingest.upload(token, rows(PERSONS[0]), municipality="GM344")
    assert bad_code.status_code == 422


def test_ndjson_and_comma_csv_with_bom_are_read(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    ndjson = "\n".join(
        json.dumps(
            {
                "bsn": b,
                "gemeentecode": "GM0344",
                "doelgroep": "overige_migrant",
                "datum_eerste_pip": None,
            }
        )
        for b in PERSONS
    )
    response = ingest.upload(token, ndjson, content_type="application/x-ndjson")
    assert response.json()["counts"] == {
        "rows": 3,
        "valid": 3,
        "invalid": 0,
        "errors": 0,
        "warnings": 0,
    }
    comma = "\ufeff" + HEADER.replace(";", ",") + f"{PERSONS[0]},GM0344,gezinsmigrant,,,\n"
    assert ingest.upload(token, comma.encode()).json()["counts"]["valid"] == 1


def test_csv_report_neutralises_formulas(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    body = "bsn;gemeentecode;doelgroep;=cmd|' /C calc'!A0\n111222333;GM0344;gezinsmigrant;x\n"
    delivery = ingest.upload(token, body).json()
    report = ingest.client.get(
        f"/v1/deliveries/{delivery['delivery_id']}/report",
        headers={**ingest.auth(token), "accept": "text/csv"},
    )
    assert report.headers["content-type"].startswith("text/csv")
    cells = [cell for row in csv.reader(io.StringIO(report.text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert any(cell.startswith("'=cmd") for cell in cells)


def test_access_municipality_and_quarter_are_checked_before_the_body_is_read(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    settings = ingest_settings(
        kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"
    ).model_copy(update={"max_upload_bytes": 1024})
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    with TestClient(create_app(settings)) as client:
        ingest = Ingest(client, settings, kafka_bootstrap)
        _, token = ingest.contact("GM0344")
        big = (rows(*PERSONS) * 20).encode()  # over the limit: reading it would answer 413
        assert len(big) > 1024

        def send(token: str, **params: str) -> int:
            # streamed without a Content-Length, as a large export is: only reading it tells
            query = {"municipality": "GM0344", "quarter": "2025-Q2", **params}
            response = client.post(
                "/v1/deliveries",
                params=query,
                content=iter([big[:512], big[512:]]),
                headers={**ingest.auth(token), "content-type": "text/csv"},
            )
            return int(response.status_code)

        assert send(token, municipality="GM0363") == 403
        assert send(token, quarter="2099-Q1") == 422
        assert send(token, quarter="2025-Q9") == 422
        assert send("not-a-token") == 401
        assert send(token) == 413  # the right caller: now the body is read, and is too large


def test_the_contact_who_releases_is_recorded(ingest: Ingest) -> None:
    uploader_id, uploader = ingest.contact("GM0344")
    releaser_id, releaser = ingest.contact("GM0344")
    delivery = ingest.upload(uploader, rows(PERSONS[0])).json()
    assert delivery["released_by"] is None
    url = f"/v1/deliveries/{delivery['delivery_id']}"
    released = ingest.client.post(f"{url}/release", headers=ingest.auth(releaser)).json()
    assert released["released_by"] == releaser_id
    assert ingest.client.get(url, headers=ingest.admin()).json()["released_by"] == releaser_id
    events = asyncio.run(
        read_topic(ingest.bootstrap, ingest.settings.topic("ingest.deliveries.v1"), count=3)
    )
    states = {json.loads(e.value)["status"]: json.loads(e.value) for e in events}
    assert states["released"]["released_by"] == releaser_id
    assert states["released"]["contact_id"] == uploader_id
    assert states["validated"]["released_by"] is None
