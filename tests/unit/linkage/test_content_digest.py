"""The content digest made from the stored canonical JSON is the digest every version stored."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from linkage.domain.facts import Fact, canonical_json, content_digest

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


def _as_stored_before(type_: str, data: dict[str, Any]) -> str:
    # The formula of every digest already in processed_events and fact_digests.
    blob = json.dumps([type_, data], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


@given(
    type_=st.sampled_from(["nl.ketenmonitor.record.stats", "nl.ketenmonitor.record.municipal"]),
    data=st.dictionaries(st.text(), _JSON, max_size=6),
)
def test_the_digest_from_canonical_json_is_the_stored_formula(
    type_: str, data: dict[str, Any]
) -> None:
    fact = Fact("e1", "stats", type_, datetime(2026, 1, 1, tzinfo=UTC), data)
    expected = _as_stored_before(type_, data)
    assert content_digest(fact) == expected
    assert content_digest(fact, canonical_json(data)) == expected
    assert json.loads(canonical_json(data)) == data
