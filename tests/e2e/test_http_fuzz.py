"""schemathesis against each running service's OpenAPI: no 5xx, every 4xx is problem+json."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from ketentools.demo import register_contact
from tests.helpers import eventually_sync

from .conftest import Stack

MAX_EXAMPLES = 30


CONTACT_MUNICIPALITY = "GM0034"  # not one of the demo's: its uploads change no other test


def _as_the_contact(case: Any) -> Any:
    # Aim the contact's requests at its own municipality and a real quarter, so that the body of
    # an upload reaches validation instead of stopping at the access check.
    query = dict(case.query or {})
    if "municipality" in query:
        query["municipality"] = CONTACT_MUNICIPALITY
    if "quarter" in query:
        query["quarter"] = "2025-Q2"
    if case.query is not None:
        case.query = query
    return case


def _check(case: Any, stack: Stack, contact_token: str) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Bearer {stack.admin_token}"},
        {"Authorization": f"Bearer {contact_token}"},
    ):
        if contact_token in headers.get("Authorization", ""):
            case = _as_the_contact(case)
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path}: {response.status_code}"
        )
        if response.status_code >= 400:
            content_type = response.headers.get("content-type") or [""]
            content_type = content_type[0] if isinstance(content_type, list) else content_type
            assert content_type.startswith("application/problem+json"), (
                f"{case.method} {case.formatted_path}: {response.status_code} {content_type}"
            )


def fuzz(stack: Stack, service: str, contact_token: str) -> int:
    """Every operation of the service, MAX_EXAMPLES generated requests each; returns how many."""
    schema = schemathesis.openapi.from_url(f"{stack.url(service)}/openapi.json")
    operations = 0
    for result in schema.get_all_operations():
        assert hasattr(result, "ok"), f"{service}'s OpenAPI document is invalid: {result}"
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @FUZZ
        def run(case: Any) -> None:
            _check(case, stack, contact_token)

        run()
    return operations


FUZZ = settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@pytest.fixture(scope="module")
def contact_token(stack: Stack) -> str:
    """An active contact's token, known to ingest, so the fuzzer reaches the contact's routes."""
    urls = {s: stack.url(s) for s in ("registry", "ingest", "linkage")}
    token = register_contact(
        urls, stack.admin_token, CONTACT_MUNICIPALITY, role="backup", label="Fuzz"
    )
    eventually_sync(
        lambda: _status(f"{urls['ingest']}/v1/deliveries", token) == 200,
        message="the fuzzer's contact known to ingest",
    )
    return token


def _get(url: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def _status(url: str, token: str) -> int:
    return _get(url, token)[0]


@pytest.mark.parametrize("service", ["registry", "ingest", "linkage"])
def test_no_5xx_and_problem_json_for_every_4xx(
    stack: Stack, service: str, contact_token: str
) -> None:
    if service == "ingest":
        # The guidelines PDF is rendered on its first request, once per process (seconds on a
        # busy machine, more than the fuzzer's 10-second timeout); the fuzzer checks answers.
        with urllib.request.urlopen(f"{stack.url('ingest')}/v1/guidelines.pdf", timeout=300):  # noqa: S310
            pass
    # health, metrics, asyncapi and the service's own routes
    assert fuzz(stack, service, contact_token) >= 5
    if service == "ingest":  # the contact's uploads reached validation and were stored
        status, found = _get(
            f"{stack.url('ingest')}/v1/deliveries?municipality={CONTACT_MUNICIPALITY}",
            contact_token,
        )
        assert status == 200 and found, found
