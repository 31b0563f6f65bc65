"""The facts linkage keeps per person: one per applied ``records.*`` event."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Source = Literal["municipal", "coa", "duo", "stats"]


@dataclass(frozen=True, slots=True)
class Fact:
    """One source event about one person: what it said and when it was logged."""

    event_id: str
    source: Source
    type: str  # the ce_type: municipal, municipal.retracted, coa, duo, stats
    time: datetime  # ce_time of the event
    data: dict[str, Any]

    @property
    def retracted(self) -> bool:
        return self.type.endswith(".retracted")


def canonical_json(data: dict[str, Any]) -> str:
    """A fact's data as JSON with sorted keys and no spaces: stored, and digested, once."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def content_digest(fact: Fact, data_json: str | None = None) -> str:
    """SHA-256 of what an event says (its type and data), not of when it was sent: a repeat of
    the same event has the same digest, an id reused for other content another.

    The digest of ``[type, data]`` in canonical JSON (as every stored digest was made);
    ``data_json``, the data's :func:`canonical_json` when the caller has it, is not made twice.
    """
    text = canonical_json(fact.data) if data_json is None else data_json
    blob = f"[{json.dumps(fact.type)},{text}]"
    return hashlib.sha256(blob.encode()).hexdigest()
