"""Frozen figures: their canonical bytes and hash, and which cells the live figures revise."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any


def canonical(figures: dict[str, Any]) -> str:
    """One text for the same figures, whatever their key order: what is stored and hashed."""
    return json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cells(row: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, Any]]:
    for name, value in row.items():
        if name in keys:
            continue
        if isinstance(value, dict):
            for part, inner in value.items():
                yield f"{name}.{part}", inner
        else:
            yield name, value


def revisions(published: dict[str, Any], live: dict[str, Any]) -> list[dict[str, Any]]:
    """Every cell whose live value differs, per table and row (a row on one side only: each of
    its cells, with ``None`` on the other)."""
    changed: list[dict[str, Any]] = []
    for name, table in published["tables"].items():
        keys = list(table["by"])
        then = {tuple(row[k] for k in keys): row for row in table["rows"]}
        now = {tuple(row[k] for k in keys): row for row in live["tables"][name]["rows"]}
        for key in sorted(then.keys() | now.keys(), key=lambda k: tuple(map(str, k))):
            before = dict(_cells(then.get(key, {}), keys))
            after = dict(_cells(now.get(key, {}), keys))
            for cell in sorted(before.keys() | after.keys()):
                if before.get(cell) != after.get(cell):
                    changed.append(
                        {
                            "table": name,
                            "row": dict(zip(keys, key, strict=True)),
                            "cell": cell,
                            "published": before.get(cell),
                            "live": after.get(cell),
                        }
                    )
    return changed
