"""The operators' CRD schemas, as a cluster with those operators would apply them.

The CRDs are the operators' own files at a pinned release (``deploy/helm/operator-crds``, their
sources and hashes in ``SOURCES.json``). A resource is checked against the schema of the version
its ``apiVersion`` names, which that release must still serve, with unknown fields refused as
``kubectl``'s strict field validation refuses them (the API server would drop them silently).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

FOLDER = Path(__file__).parents[3] / "deploy" / "helm" / "operator-crds"
Key = tuple[str, str, str]  # group, version, kind


def sources() -> list[dict[str, str]]:
    listed: list[dict[str, str]] = json.loads((FOLDER / "SOURCES.json").read_text())
    return listed


def altered() -> list[str]:
    """The vendored files that are not byte for byte the release's."""
    return [
        source["file"]
        for source in sources()
        if hashlib.sha256((FOLDER / source["file"]).read_bytes()).hexdigest() != source["sha256"]
    ]


def _strict(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        strict["additionalProperties"] = False
    return strict


@cache
def served() -> dict[Key, Draft7Validator]:
    """Every (group, version, kind) the pinned operators serve, with its validator."""
    found: dict[Key, Draft7Validator] = {}
    for source in sources():
        crd = yaml.safe_load((FOLDER / source["file"]).read_text())
        spec = crd["spec"]
        for version in spec["versions"]:
            if version.get("served"):
                schema = _strict(version["schema"]["openAPIV3Schema"])
                key = (spec["group"], version["name"], spec["names"]["kind"])
                found[key] = Draft7Validator(schema)
    return found


def problems(document: dict[str, Any]) -> list[str]:
    """What the operator's CRD refuses in ``document`` (empty when it is accepted)."""
    group, _, version = document["apiVersion"].rpartition("/")
    name = f"{document['kind']}/{document['metadata']['name']}"
    validator = served().get((group, version, document["kind"]))
    if validator is None:
        return [f"{name}: {document['apiVersion']} is not served by the pinned operator"]
    return [
        f"{name}: {'.'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
