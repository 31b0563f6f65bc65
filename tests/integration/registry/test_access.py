"""Every endpoint for every kind of caller (SPEC section 10: 401 unknown, 403 not allowed)."""

from __future__ import annotations

from collections.abc import Callable

from .conftest import Registry, registration

CALLERS = [
    "anonymous",
    "wrong",
    "pending",
    "withdrawn",
    "other_municipality",
    "same_municipality",
    "self",
    "admin",
]
EXPECTED: dict[str, dict[str, int]] = {
    "register": dict.fromkeys(CALLERS, 201),
    # A contact to approve is pending, so its own token does not authenticate yet.
    "approve": {
        **dict.fromkeys(CALLERS[:4], 401),
        **dict.fromkeys(CALLERS[4:6], 403),
        "self": 401,
        "admin": 200,
    },
    "withdraw": {
        **dict.fromkeys(CALLERS[:4], 401),
        **dict.fromkeys(CALLERS[4:6], 403),
        "self": 200,
        "admin": 200,
    },
    "patch": {
        **dict.fromkeys(CALLERS[:4], 401),
        **dict.fromkeys(CALLERS[4:6], 403),
        "self": 200,
        "admin": 200,
    },
    "get_contact": {
        **dict.fromkeys(CALLERS[:4], 401),
        "other_municipality": 403,
        "same_municipality": 200,
        "self": 200,
        "admin": 200,
    },
    "municipality_contacts": {
        **dict.fromkeys(CALLERS[:4], 401),
        "other_municipality": 403,
        "same_municipality": 200,
        "self": 200,
        "admin": 200,
    },
    "coverage": {
        **dict.fromkeys(CALLERS[:4], 401),
        **dict.fromkeys(CALLERS[4:7], 403),
        "admin": 200,
    },
    "whoami": {**dict.fromkeys(CALLERS[:4], 401), **dict.fromkeys(CALLERS[4:], 200)},
}


def tokens_for(registry: Registry, target_id: str, target_token: str) -> dict[str, str | None]:
    _, pending = registry.register("GM0344", role="backup", approve=False, name="P Pending")
    withdrawn_id, withdrawn = registry.register("GM0344", role="backup", name="W Withdrawn")
    registry.client.post(f"/v1/contacts/{withdrawn_id}/withdraw", headers=registry.admin())
    _, other = registry.register("GM0363", role="backup", name="O Other")
    _, same = registry.register("GM0344", role="backup", name="S Same")
    return {
        "anonymous": None,
        "wrong": "not-a-real-token",
        "pending": pending,
        "withdrawn": withdrawn,
        "other_municipality": other,
        "same_municipality": same,
        "self": target_token,
        "admin": None,
    }


def call(registry: Registry, endpoint: str, target: str, headers: dict[str, str]) -> int:
    requests: dict[str, Callable[[], int]] = {
        "register": lambda: (
            registry.client.post(
                "/v1/registrations", json=registration("GM0344", role="backup"), headers=headers
            ).status_code
        ),
        "approve": lambda: (
            registry.client.post(f"/v1/contacts/{target}/approve", headers=headers).status_code
        ),
        "withdraw": lambda: (
            registry.client.post(f"/v1/contacts/{target}/withdraw", headers=headers).status_code
        ),
        "patch": lambda: (
            registry.client.patch(
                f"/v1/contacts/{target}", json={"name": "Changed"}, headers=headers
            ).status_code
        ),
        "get_contact": lambda: (
            registry.client.get(f"/v1/contacts/{target}", headers=headers).status_code
        ),
        "municipality_contacts": lambda: (
            registry.client.get("/v1/municipalities/GM0344/contacts", headers=headers).status_code
        ),
        "coverage": lambda: registry.client.get("/v1/coverage", headers=headers).status_code,
        "whoami": lambda: registry.client.get("/v1/whoami", headers=headers).status_code,
    }
    return requests[endpoint]()


def test_authorisation_matrix(registry: Registry) -> None:
    mismatches = []
    for endpoint, expected in EXPECTED.items():
        for caller in CALLERS:
            # A fresh target per case: approving needs a pending one, the others an active one.
            target, target_token = registry.register(
                "GM0344", role="backup", approve=endpoint != "approve", name="T Target"
            )
            tokens = tokens_for(registry, target, target_token)
            headers = registry.admin() if caller == "admin" else registry.auth(tokens[caller])
            status = call(registry, endpoint, target, headers)
            if status != expected[caller]:
                mismatches.append((endpoint, caller, expected[caller], status))
    assert mismatches == []


def test_unauthenticated_answers_carry_www_authenticate(registry: Registry) -> None:
    response = registry.client.get("/v1/coverage")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def test_whoami_says_admin_or_which_active_contact(registry: Registry) -> None:
    contact_id, token = registry.register("GM0344", role="backup", name="K Kwartaal")
    assert registry.client.get("/v1/whoami", headers=registry.admin()).json() == {
        "role": "admin",
        "contact": None,
    }
    me = registry.client.get("/v1/whoami", headers=registry.auth(token)).json()
    assert me["role"] == "contact"
    assert me["contact"]["contact_id"] == contact_id
    assert me["contact"]["municipality_codes"] == ["GM0344"]
    registry.client.post(f"/v1/contacts/{contact_id}/withdraw", headers=registry.admin())
    # A withdrawn contact is nobody at once (the portal ends its session on this answer).
    assert registry.client.get("/v1/whoami", headers=registry.auth(token)).status_code == 401
