"""The registry's HTTP API on the real broker, against SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import read_topic

from .conftest import Registry, registration


def test_registration_approval_and_reading_back(registry: Registry) -> None:
    contact_id, token = registry.register("GM0344", approve=False)
    assert (
        registry.client.get(f"/v1/contacts/{contact_id}", headers=registry.auth(token)).status_code
        == 401
    )
    approved = registry.client.post(f"/v1/contacts/{contact_id}/approve", headers=registry.admin())
    assert approved.json()["status"] == "active"
    mine = registry.client.get(f"/v1/contacts/{contact_id}", headers=registry.auth(token)).json()
    assert mine["email"] == "a.devries@gemeente.nl"
    assert "token" not in json.dumps(mine)
    listed = registry.client.get("/v1/municipalities/GM0344/contacts", headers=registry.auth(token))
    assert [c["contact_id"] for c in listed.json()] == [contact_id]


def test_second_primary_conflicts_until_the_first_is_withdrawn(registry: Registry) -> None:
    first, _ = registry.register("GM0344")
    second, _ = registry.register("GM0344", approve=False, name="B Jansen")
    conflict = registry.client.post(f"/v1/contacts/{second}/approve", headers=registry.admin())
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert conflict.json()["errors"][0]["loc"] == ["municipality_codes", "GM0344"]
    registry.client.post(f"/v1/contacts/{first}/withdraw", headers=registry.admin())
    assert (
        registry.client.post(f"/v1/contacts/{second}/approve", headers=registry.admin()).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("change", "loc", "code"),
    [
        (
            {"municipality_codes": ["GM9999"]},
            ["body", "municipality_codes", 0],
            "municipality_unknown",
        ),
        (
            {"municipality_codes": ["GM0457"]},
            ["body", "municipality_codes", 0],
            "municipality_unknown",
        ),
        (
            {"municipality_codes": ["0344"]},
            ["body", "municipality_codes", 0],
            "string_pattern_mismatch",
        ),
        ({"municipality_codes": []}, ["body", "municipality_codes"], "too_short"),
        (
            {"contact": {"name": "A", "email": "not-an-address"}},
            ["body", "contact", "email"],
            "value_error",
        ),
        (
            {"contact": {"name": "   ", "email": "a@b.nl"}},
            ["body", "contact", "name"],
            "string_too_short",
        ),
        (
            {"berichtgever": {"name": "", "kind": "gemeente"}},
            ["body", "berichtgever", "name"],
            "string_too_short",
        ),
        (
            {"berichtgever": {"name": "X", "kind": "bedrijf"}},
            ["body", "berichtgever", "kind"],
            "literal_error",
        ),
        ({"role": "boss"}, ["body", "role"], "literal_error"),
        ({"extra": 1}, ["body", "extra"], "extra_forbidden"),
    ],
)
def test_bad_registrations_get_field_level_problems(
    registry: Registry, change: dict[str, object], loc: list[object], code: str
) -> None:
    response = registry.client.post("/v1/registrations", json={**registration(), **change})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {"loc": loc, "code": code} in [
        {"loc": e["loc"], "code": e["code"]} for e in response.json()["errors"]
    ]


def test_malformed_and_oversize_bodies_are_4xx_problems(registry: Registry) -> None:
    malformed = registry.client.post(
        "/v1/registrations", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "json_invalid"
    huge = registry.client.post(
        "/v1/registrations", content=b" " * 200_000, headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"] == "application/problem+json"


def test_patch_changes_details_and_lowercases_email(registry: Registry) -> None:
    contact_id, token = registry.register("GM0344")
    response = registry.client.patch(
        f"/v1/contacts/{contact_id}",
        headers=registry.auth(token),
        json={"email": "New@Gemeente.NL", "phone": "+31 30 123 4567"},
    )
    assert response.status_code == 200
    assert (response.json()["email"], response.json()["phone"]) == (
        "new@gemeente.nl",
        "+31 30 123 4567",
    )
    cleared = registry.client.patch(
        f"/v1/contacts/{contact_id}", headers=registry.auth(token), json={"phone": None}
    )
    assert cleared.json()["phone"] is None
    bad = registry.client.patch(
        f"/v1/contacts/{contact_id}", headers=registry.auth(token), json={"role": "chief"}
    )
    assert bad.status_code == 422


def test_coverage_and_metrics_follow_approvals(registry: Registry) -> None:
    before = registry.client.get("/v1/coverage", headers=registry.admin()).json()
    assert before["total"] == 342
    registry.register("GM0344", "GM0363")
    after = registry.client.get("/v1/coverage", headers=registry.admin()).json()
    assert after["with_active_primary"] == before["with_active_primary"] + 2
    assert "GM0344" not in after["without_active_primary"]
    metrics = registry.client.get("/metrics").text
    assert (
        f"registry_municipalities_without_contact {float(340 - before['with_active_primary'])}"
        in metrics
    )
    assert 'registry_contacts{role="primary",status="active"} 1.0' in metrics
    assert "faststream_received_messages_total" in metrics or "faststream_published" in metrics


def test_every_state_change_is_published_with_the_token_hash_only(
    registry: Registry, kafka_bootstrap: str
) -> None:
    contact_id, token = registry.register("GM0344")
    registry.client.patch(
        f"/v1/contacts/{contact_id}", headers=registry.auth(token), json={"name": "A. Jansen"}
    )
    registry.client.post(f"/v1/contacts/{contact_id}/withdraw", headers=registry.auth(token))
    records = await_records(kafka_bootstrap, registry.settings.topic("registry.contacts.v1"), 4)
    types = [dict(r.headers)["ce_type"].decode().rsplit(".", 1)[1] for r in records]
    assert types == ["registered", "approved", "updated", "withdrawn"]
    # zero-padded to 10 digits: a reader ordering the strings puts version 10 after 9
    assert [dict(r.headers)["ce_sequence"] for r in records] == [
        f"{n:010d}".encode() for n in (1, 2, 3, 4)
    ]
    assert {r.key for r in records} == {contact_id.encode()}
    assert {dict(r.headers)["ce_subject"] for r in records} == {contact_id.encode()}
    last = json.loads(records[-1].value)
    assert last["status"] == "withdrawn"
    assert last["name"] == "A. Jansen"
    assert last["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert all(
        token.encode() not in r.value and all(token.encode() not in v for _, v in r.headers)
        for r in records
    )


def await_records(bootstrap: str, topic: str, count: int) -> list:  # type: ignore[type-arg]
    import asyncio

    return asyncio.run(read_topic(bootstrap, topic, count=count))


def test_two_approvals_of_primaries_at_the_same_moment_give_one_200_and_one_409(
    registry: Registry,
) -> None:
    codes = ["GM0014", "GM0034", "GM0037", "GM0047", "GM0050", "GM0059", "GM0060", "GM0072"]
    pairs = [
        tuple(registry.register(code, approve=False, name=f"P {code} {n}")[0] for n in (1, 2))
        for code in codes
    ]

    def approve(contact_id: str) -> int:
        url = f"/v1/contacts/{contact_id}/approve"
        return int(registry.client.post(url, headers=registry.admin()).status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = [sorted(pool.map(approve, pair)) for pair in pairs]
    assert outcomes == [[200, 409]] * len(codes), outcomes
    coverage = registry.client.get("/v1/coverage", headers=registry.admin()).json()
    assert not set(codes) & set(coverage["without_active_primary"])
