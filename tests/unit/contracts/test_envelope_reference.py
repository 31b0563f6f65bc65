"""The project's own Kafka binary-mode codec held to the ``cloudevents`` package as the reference
(SPEC section 11): each reads what the other writes as the same event."""

from __future__ import annotations

from typing import Any

import pydantic_core
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from hypothesis import given
from hypothesis import strategies as st

from contracts import Envelope, from_kafka, to_kafka

from .test_envelope import envelopes

FORMAT = JSONFormat()
OPTIONAL = ("subject", "dataschema", "sequence", "traceparent", "tracestate")
# A tracestate travels only with its traceparent (a lone one is dropped by design).
trace_contexts = st.sampled_from(
    [
        {},
        {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        {
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            "tracestate": "congo=t61rcWkgMzE",
        },
    ]
)
traced = st.builds(lambda e, t: e.model_copy(update=t), envelopes, trace_contexts)


def reference_event(envelope: Envelope) -> CloudEvent:
    attributes: dict[str, Any] = {
        "specversion": envelope.specversion,
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": envelope.time,
        "datacontenttype": "application/json",
    }
    for name in OPTIONAL:
        if getattr(envelope, name) is not None:
            attributes[name] = getattr(envelope, name)
    data = None if envelope.data is None else pydantic_core.to_json(envelope.data)
    return CloudEvent(attributes, data)


@given(traced, st.none() | st.text("0123456789abcdef", min_size=1, max_size=64))
def test_the_codec_reads_what_the_reference_writes(envelope: Envelope, key: str | None) -> None:
    message = to_binary(reference_event(envelope), FORMAT, key_mapper=lambda _: key)
    value = message.value if envelope.data is not None else None
    assert from_kafka(message.key, list(message.headers.items()), value) == envelope


@given(traced, st.none() | st.text("0123456789abcdef", min_size=1, max_size=64))
def test_the_reference_reads_what_the_codec_writes(envelope: Envelope, key: str | None) -> None:
    record = to_kafka(envelope, key)
    event = from_binary(
        KafkaMessage(headers=dict(record.headers), key=key, value=record.value or b""),
        FORMAT,
        CloudEvent,
    )
    attributes = event.get_attributes()
    assert attributes["specversion"] == "1.0"
    assert (attributes["id"], attributes["source"], attributes["type"]) == (
        envelope.id,
        envelope.source,
        envelope.type,
    )
    assert attributes["time"] == envelope.time
    assert attributes["datacontenttype"] == "application/json"
    for name in OPTIONAL:
        assert attributes.get(name) == getattr(envelope, name), name
    assert event.get_data() == envelope.data
    # Byte for byte what the reference would write for the same event.
    reference = to_binary(reference_event(envelope), FORMAT, key_mapper=lambda _: key)
    assert dict(record.headers) == reference.headers
