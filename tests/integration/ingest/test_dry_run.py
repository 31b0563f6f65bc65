"""dry_run=true: every check of an upload, nothing stored or published (SPEC section 11)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from contracts import create_topics
from ingest.app import create_app
from tests.helpers import topic_size

from .conftest import Ingest, ingest_settings
from .test_deliveries import HEADER, PERSONS, rows
from .test_mass_retraction import PEOPLE, file


def test_a_dry_run_checks_everything_and_keeps_nothing(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    body = rows(*PERSONS) + "111222334;GM0344;gezinsmigrant;;;\n"
    checked = ingest.upload(token, body, dry_run="true")
    assert checked.status_code == 200, checked.text
    answer = checked.json()
    assert answer["status"] == "validated"
    assert answer["counts"] == {"rows": 4, "valid": 3, "invalid": 1, "errors": 1, "warnings": 0}
    assert [(e["row"], e["code"]) for e in answer["errors"]] == [(4, "bsn_invalid")]
    assert "111222334" not in checked.text
    # nothing stored, nothing published
    listed = ingest.client.get("/v1/deliveries", headers=ingest.auth(token)).json()
    assert listed == []
    for topic in ("ingest.deliveries.v1", "records.municipal.v1"):
        assert asyncio.run(topic_size(ingest.bootstrap, ingest.settings.topic(topic))) == 0

    rejected = ingest.upload(token, "nummer;x\n1;2\n", dry_run="true").json()
    assert rejected["status"] == "rejected"
    assert [(e["row"], e["code"]) for e in rejected["errors"]] == [(0, "header_invalid")]
    unknown = ingest.upload(
        token, HEADER.rstrip("\n") + ";extra\n" + rows(PERSONS[0]).split("\n", 1)[1], dry_run="true"
    ).json()
    assert [w["code"] for w in unknown["warnings"]] == ["column_unknown"]
    assert ingest.upload(token, body, municipality="GM0363", dry_run="true").status_code == 403


def test_a_dry_run_warns_of_a_mass_retraction(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    first = ingest.upload(token, file(PEOPLE)).json()["delivery_id"]
    ingest.client.post(f"/v1/deliveries/{first}/release", headers=ingest.auth(token))
    answer = ingest.upload(token, file(PEOPLE[:12]), dry_run="true").json()
    assert {w["code"] for w in answer["warnings"]} == {"count_drop", "mass_retraction"}


def test_test_deliveries_are_rate_limited_per_contact(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    asyncio.run(create_topics(kafka_bootstrap, name_prefix=unique))
    settings = ingest_settings(
        kafka_bootstrap, unique, f"sqlite+aiosqlite:///{tmp_path / 'ingest.db'}"
    ).model_copy(update={"dry_run_rate_per_minute": 2})
    with TestClient(create_app(settings)) as client:
        ingest = Ingest(client, settings, kafka_bootstrap)
        _, first = ingest.contact("GM0344")
        _, second = ingest.contact("GM0344")
        url = "/v1/deliveries?municipality=GM0344&quarter=2025-Q2&dry_run=true"

        def dry_run(token: str) -> httpx.Response:
            answer: httpx.Response = client.post(
                url,
                content=b"bsn;gemeentecode;doelgroep\n111222333;GM0344;gezinsmigrant\n",
                headers={**ingest.auth(token), "content-type": "text/csv"},
            )
            return answer

        answers = [dry_run(first) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[2].json()["code"] == "rate_limited"
        assert int(answers[2].headers["retry-after"]) >= 1
        assert dry_run(second).status_code == 200  # another contact has its own budget
        # A real upload is not a test delivery and is not limited by it.
        real = client.post(
            "/v1/deliveries?municipality=GM0344&quarter=2025-Q2",
            content=b"bsn;gemeentecode;doelgroep\n111222333;GM0344;gezinsmigrant\n",
            headers={**ingest.auth(first), "content-type": "text/csv"},
        )
        assert real.status_code == 202
