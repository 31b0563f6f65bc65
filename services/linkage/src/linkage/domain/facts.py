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


def content_digest(fact: Fact) -> str:
    """SHA-256 of what an event says (its type and data), not of when it was sent: a repeat of
    the same event has the same digest, an id reused for other content another."""
    blob = json.dumps([fact.type, fact.data], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
