"""dry_run=true: every check of an upload, nothing stored or published (SPEC section 11)."""

from __future__ import annotations

import asyncio

from tests.helpers import topic_size

from .conftest import Ingest
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
