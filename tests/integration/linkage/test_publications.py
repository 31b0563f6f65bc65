"""Publications (SPEC section 11): frozen figures that never change, and the revisions since."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.helpers import eventually_sync
from tests.linkage_events import duo, municipal, pseudonym

from .conftest import Linkage

REQUEST = {"year": 2024, "as_of": "2024-12-31", "status": "voorlopig"}


def persons(linkage: Linkage, first: int, count: int) -> None:
    events = []
    for n in range(first, first + count):
        p = pseudonym(500 + n)
        events += [
            duo(p, f"v{n}", "vastgesteld"),
            municipal(p, f"m{n}", datum_start_brede_intake="2024-03-01"),
        ]
    linkage.send(*events)


def linked(linkage: Linkage, count: int) -> None:
    def n() -> Any:
        rows = linkage.client.get(
            "/v1/monitor", params={"as_of": "2024-12-31"}, headers=linkage.reader()
        ).json()["rows"]
        return rows and rows[0]["n"] == count

    eventually_sync(n, message=f"{count} persons linked")


def test_a_publication_is_frozen_and_its_revisions_listed(linkage: Linkage) -> None:
    persons(linkage, 0, 12)
    linked(linkage, 12)
    created = linkage.client.post("/v1/publications", json=REQUEST, headers=linkage.admin())
    assert created.status_code == 201, created.text
    first = created.json()
    assert set(first) == {"id", "year", "as_of", "status", "sha256", "created_at"}
    assert (first["year"], first["as_of"], first["status"]) == (2024, "2024-12-31", "voorlopig")
    url = f"/v1/publications/{first['id']}"
    frozen = linkage.client.get(url, headers=linkage.reader())
    assert frozen.status_code == 200
    figures = frozen.json()["figures"]
    text = json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(text.encode()).hexdigest() == first["sha256"]
    live = linkage.client.get(
        "/v1/report/figures", params={"year": 2024, "as_of": "2024-12-31"}, headers=linkage.reader()
    ).json()
    assert figures == live
    assert {"cohort": 2024, "doelgroep": "gezinsmigrant", "n": 12} in (
        figures["tables"]["bevolking_doelgroep"]["rows"]
    )
    assert (
        linkage.client.get(url + "/revisions", headers=linkage.reader()).json()["revisions"] == []
    )

    persons(linkage, 12, 3)  # late deliveries: the live figures move on
    linked(linkage, 15)
    again = linkage.client.get(url, headers=linkage.reader())
    assert again.content == frozen.content  # a publication never changes
    revisions = linkage.client.get(url + "/revisions", headers=linkage.reader()).json()
    assert revisions["id"] == first["id"]
    assert {
        "table": "bevolking_doelgroep",
        "row": {"cohort": 2024, "doelgroep": "gezinsmigrant"},
        "cell": "n",
        "published": 12,
        "live": 15,
    } in revisions["revisions"]

    second = linkage.client.post(
        "/v1/publications", json={**REQUEST, "status": "definitief"}, headers=linkage.admin()
    ).json()
    assert second["id"] != first["id"]
    assert second["sha256"] != first["sha256"]
    listed = linkage.client.get("/v1/publications", headers=linkage.reader()).json()
    assert [p["id"] for p in listed] == [first["id"], second["id"]]
    assert listed[0] == first


def test_only_the_admin_publishes_and_bad_requests_are_refused(linkage_sqlite: Linkage) -> None:
    linkage = linkage_sqlite
    reader = linkage.client.post("/v1/publications", json=REQUEST, headers=linkage.reader())
    assert reader.status_code == 403
    assert linkage.client.post("/v1/publications", json=REQUEST).status_code == 401
    assert linkage.client.get("/v1/publications").status_code == 401
    for bad, field in (
        ({**REQUEST, "status": "concept"}, "status"),
        ({**REQUEST, "as_of": "2024-13-01"}, "as_of"),
        ({**REQUEST, "year": 1999}, "year"),
        ({k: v for k, v in REQUEST.items() if k != "year"}, "year"),
    ):
        refused = linkage.client.post("/v1/publications", json=bad, headers=linkage.admin())
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"] == "application/problem+json"
        assert field in [e["loc"][-1] for e in refused.json()["errors"]]
    missing = linkage.client.get("/v1/publications/nope", headers=linkage.reader())
    assert missing.status_code == 404
    assert missing.json()["code"] == "publication_not_found"
