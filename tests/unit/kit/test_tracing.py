"""Spans leave the process masked: no BSN in an attribute, whatever a client put in a URL."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ketenkit.tracing import MaskingExporter

pytestmark = pytest.mark.unit


def test_text_attributes_and_event_attributes_are_masked_numbers_and_ids_kept() -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(MaskingExporter(memory)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("GET /v1/deliveries") as span:
        span.set_attribute("http.target", "/v1/deliveries?quarter=137525357")
        span.set_attribute("http.status_code", 422)
        span.set_attribute("delivery.id", "8c1d6f0e-2b1f-4a7e-9d55-3f6a0b1c2d3e")
        span.set_attribute("tags", ["bsn 111 222 333", "ok"])
        span.add_event("exception", {"exception.message": "bad value 111222333"})
    (exported,) = memory.get_finished_spans()
    attributes = dict(exported.attributes or {})
    assert attributes["http.target"] == "/v1/deliveries?quarter=*****5357"
    assert attributes["http.status_code"] == 422
    assert attributes["delivery.id"] == "8c1d6f0e-2b1f-4a7e-9d55-3f6a0b1c2d3e"
    assert attributes["tags"] == ("bsn *****2333", "ok")
    assert dict(exported.events[0].attributes or {}) == {"exception.message": "bad value *****2333"}
    assert exported.context == span.get_span_context()
