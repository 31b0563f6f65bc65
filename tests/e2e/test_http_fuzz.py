"""schemathesis against each running service's OpenAPI: no 5xx, every 4xx is problem+json."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from .conftest import Stack

MAX_EXAMPLES = 30


def _check(case: Any, stack: Stack) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Bearer {stack.admin_token}"},
    ):
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


def fuzz(stack: Stack, service: str) -> int:
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
            _check(case, stack)

        run()
    return operations


FUZZ = settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@pytest.mark.parametrize("service", ["registry", "ingest", "linkage"])
def test_no_5xx_and_problem_json_for_every_4xx(stack: Stack, service: str) -> None:
    assert fuzz(stack, service) >= 5  # health, metrics, asyncapi and the service's own routes
