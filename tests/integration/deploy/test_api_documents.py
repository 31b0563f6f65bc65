"""The documents partners build their clients from: every OpenAPI document valid by
openapi-spec-validator, every AsyncAPI document valid by the official AsyncAPI JSON schema
(npm's @asyncapi/specs, pinned in tests/interop), naming every topic the service may use."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from openapi_spec_validator import validate
from pydantic import SecretStr

from contracts.access import BY_PRINCIPAL

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[3]
SCHEMAS = ROOT / "tests" / "interop" / "node_modules" / "@asyncapi" / "specs" / "schemas"
SERVICES = ("registry", "ingest", "linkage")


def documents(service: str, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    config = importlib.import_module(f"{service}.config")
    app = importlib.import_module(f"{service}.app").create_app(
        config.Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
            admin_token=SecretStr("t" * 40),
            data_dir=str(tmp_path),
        )
    )
    client = TestClient(app)  # no lifespan: the documents need no broker
    return client.get("/openapi.json").json(), client.get("/asyncapi.json").json()


@pytest.mark.parametrize("service", SERVICES)
def test_the_openapi_document_is_valid(service: str, tmp_path: Path) -> None:
    openapi, _ = documents(service, tmp_path)
    validate(openapi)
    assert openapi["paths"], service


@pytest.mark.skipif(
    not SCHEMAS.exists(), reason="the AsyncAPI schemas are not installed (make interop-schemas)"
)
@pytest.mark.parametrize("service", SERVICES)
def test_the_asyncapi_document_is_valid_and_names_every_topic_it_may_use(
    service: str, tmp_path: Path
) -> None:
    _, asyncapi = documents(service, tmp_path)
    schema = json.loads((SCHEMAS / f"{asyncapi['asyncapi']}-without-$id.json").read_text())
    problems = sorted(
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in Draft7Validator(schema).iter_errors(asyncapi)
    )
    assert problems == []
    principal = BY_PRINCIPAL[service]
    addresses = {channel["address"] for channel in asyncapi["channels"].values()}
    assert addresses == {t.name for t in (*principal.reads, *principal.writes)}
    actions: dict[str, set[str]] = {}
    for operation in asyncapi["operations"].values():
        channel = asyncapi["channels"][operation["channel"]["$ref"].split("/")[-1]]
        actions.setdefault(operation["action"], set()).add(channel["address"])
        assert channel["messages"], channel["address"]  # each channel names its messages
    assert actions.get("receive", set()) == {t.name for t in principal.reads}
    assert actions.get("send", set()) == {t.name for t in principal.writes}
