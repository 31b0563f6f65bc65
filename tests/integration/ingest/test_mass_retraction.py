"""The guard against a mass retraction (SPEC section 11): warnings, preview, confirmation."""

from __future__ import annotations

from contracts import is_valid_bsn

from .conftest import Ingest

HEADER = "bsn;gemeentecode;doelgroep\n"
PEOPLE = [f"{n:09d}" for n in range(100_000_000, 100_004_000) if is_valid_bsn(f"{n:09d}")][:40]


def file(bsns: list[str]) -> str:
    return HEADER + "".join(f"{b};GM0344;gezinsmigrant\n" for b in bsns)


def codes(ingest: Ingest, token: str, delivery: str) -> dict[str, str]:
    report = ingest.client.get(f"/v1/deliveries/{delivery}/report", headers=ingest.auth(token))
    return {e["code"]: e["message"] for e in report.json()["errors"] if e["severity"] == "warning"}


def test_an_export_with_the_wrong_filter_does_not_wipe_a_quarter(ingest: Ingest) -> None:
    _, token = ingest.contact("GM0344")
    auth = ingest.auth(token)
    first = ingest.upload(token, file(PEOPLE)).json()["delivery_id"]
    assert ingest.client.post(f"/v1/deliveries/{first}/release", headers=auth).status_code == 200

    # An ordinary correction (4 persons fewer): no warning, no confirmation.
    fewer = ingest.upload(token, file(PEOPLE[:36])).json()["delivery_id"]
    assert codes(ingest, token, fewer) == {}
    preview = ingest.client.get(f"/v1/deliveries/{fewer}/preview", headers=auth).json()
    assert preview == {"publish": 36, "retractions": 4, "previous_persons": 40}

    # The wrong filter: 12 of 40 persons left.
    wrong = ingest.upload(token, file(PEOPLE[:12])).json()
    assert wrong["counts"]["warnings"] == 2
    warned = codes(ingest, token, wrong["delivery_id"])
    assert set(warned) == {"count_drop", "mass_retraction"}
    assert "28" in warned["mass_retraction"] and "40" in warned["mass_retraction"]
    url = f"/v1/deliveries/{wrong['delivery_id']}"
    assert ingest.client.get(f"{url}/preview", headers=auth).json() == {
        "publish": 12,
        "retractions": 28,
        "previous_persons": 40,
    }
    refused = ingest.client.post(f"{url}/release", headers=auth)
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["retractions"], body["previous_persons"]) == (
        "confirm_retractions",
        28,
        40,
    )
    still = ingest.client.get(url, headers=auth).json()
    assert still["status"] == "validated"  # nothing released, nothing retracted
    confirmed = ingest.client.post(
        f"{url}/release", params={"confirm_retractions": "true"}, headers=auth
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "released"

    # A nil return after a release in force would retract everyone: it asks too.
    nil = ingest.upload(token, b"", nil_return="true")
    assert nil.status_code == 409
    assert nil.json()["code"] == "confirm_retractions"
    assert nil.json()["retractions"] == 12
    nil = ingest.upload(token, b"", nil_return="true", confirm_retractions="true")
    assert nil.status_code == 202 and nil.json()["status"] == "released"
