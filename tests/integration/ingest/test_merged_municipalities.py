"""A municipality that merged: its successor's contacts deliver its remaining quarters (SPEC 11).

Brielle (GM0501) became part of Voorne aan Zee (GM1992) on 2023-01-01; nobody can register for
GM0501 any more, so without this its 2022 quarters would stay overdue for ever.
"""

from __future__ import annotations

from .conftest import Ingest


def brielle(*bsns: str) -> str:
    header = "bsn;gemeentecode;doelgroep\n"
    return header + "".join(f"{b};GM0501;gezinsmigrant\n" for b in bsns)


def test_the_successor_delivers_checks_releases_and_sees_the_old_codes_overdue(
    ingest_sqlite: Ingest,
) -> None:
    ingest = ingest_sqlite
    _, successor = ingest.contact("GM1992")
    _, stranger = ingest.contact("GM0344")
    upload = ingest.upload(
        successor, brielle("111222333"), municipality="GM0501", quarter="2022-Q4"
    )
    assert upload.status_code == 202, upload.text
    delivery = upload.json()["delivery_id"]
    assert upload.json()["status"] == "validated"
    assert upload.json()["counts"]["valid"] == 1
    auth = ingest.auth(successor)
    assert ingest.client.get(f"/v1/deliveries/{delivery}", headers=auth).status_code == 200
    assert ingest.client.get(f"/v1/deliveries/{delivery}/report", headers=auth).status_code == 200
    listed = ingest.client.get("/v1/deliveries", params={"municipality": "GM0501"}, headers=auth)
    assert [d["delivery_id"] for d in listed.json()] == [delivery]
    released = ingest.client.post(f"/v1/deliveries/{delivery}/release", headers=auth)
    assert released.status_code == 200, released.text

    overdue = ingest.client.get(
        "/v1/deliveries/overdue", params={"as_of": "2023-06-01"}, headers=auth
    ).json()
    pairs = {(i["municipality"], i["quarter"]) for i in overdue["items"]}
    assert {("GM0501", "2022-Q1"), ("GM0501", "2022-Q2"), ("GM0501", "2022-Q3")} <= pairs
    assert ("GM0501", "2022-Q4") not in pairs  # released
    assert ("GM1992", "2023-Q1") in pairs
    assert not any(m == "GM0501" and q.startswith("2023") for m, q in pairs)

    # Only the quarters the old code still existed at the end of, and only for the successor.
    after = ingest.upload(successor, brielle("123456782"), municipality="GM0501", quarter="2023-Q1")
    assert after.status_code == 422
    assert after.json()["errors"][0]["code"] == "municipality_unknown"
    refused = ingest.upload(
        stranger, brielle("123456782"), municipality="GM0501", quarter="2022-Q3"
    )
    assert refused.status_code == 403
    assert (
        ingest.client.get(f"/v1/deliveries/{delivery}", headers=ingest.auth(stranger)).status_code
        == 403
    )
