"""Spans leave the process masked: no BSN in an attribute, whatever a client put in a URL."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import DEFAULT_ON
from opentelemetry.semconv.trace import SpanAttributes
from opentelemetry.trace import SpanKind

from ketenkit.tracing import (
    MaskingExporter,
    QuietOrphanClients,
    _Keyless,
    kafka_middlewares,
    link_current_span,
    tracing_enabled,
)

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


def _provider_with(memory: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider(sampler=QuietOrphanClients(DEFAULT_ON))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    return provider


def test_a_client_span_is_kept_inside_traced_work_and_dropped_alone() -> None:
    memory = InMemorySpanExporter()
    tracer = _provider_with(memory).get_tracer("test")
    with tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT):
        pass  # a poll between batches: nobody waits for it
    with (
        tracer.start_as_current_span("outbox.relay"),
        tracer.start_as_current_span("DELETE", kind=SpanKind.CLIENT),
    ):
        pass
    with tracer.start_as_current_span("GET /v1/deliveries", kind=SpanKind.SERVER):
        pass
    assert sorted(s.name for s in memory.get_finished_spans()) == [
        "DELETE",
        "GET /v1/deliveries",
        "outbox.relay",
    ]


def test_a_batch_span_links_once_to_each_trace_its_events_carry() -> None:
    memory = InMemorySpanExporter()
    tracer = _provider_with(memory).get_tracer("test")
    first = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    second = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with tracer.start_as_current_span("feeds.duo.v1 process"):
        linked = link_current_span([first, None, first, "not a traceparent", second, first])
    assert linked == 2
    (exported,) = memory.get_finished_spans()
    assert [format(link.context.trace_id, "032x") for link in exported.links] == [
        "0af7651916cd43dd8448eb211c80319c",
        "4bf92f3577b34da6a3ce929d0e0e4736",
    ]
    assert link_current_span([first]) == 0  # no span is recording here


def test_links_are_bounded() -> None:
    memory = InMemorySpanExporter()
    tracer = _provider_with(memory).get_tracer("test")
    many = [f"00-{i:032x}-00f067aa0ba902b7-01" for i in range(1, 200)]
    with tracer.start_as_current_span("batch"):
        assert link_current_span(many, limit=5) == 5


def test_the_kafka_key_is_not_a_span_attribute() -> None:
    """On the partners' feeds the key is a BSN."""

    class Provider:
        messaging_system = "kafka"

        def get_consume_attrs_from_message(self, msg: object) -> dict[str, object]:
            return {
                SpanAttributes.MESSAGING_KAFKA_MESSAGE_KEY: b"111222333",
                SpanAttributes.MESSAGING_SYSTEM: "kafka",
            }

        def get_publish_attrs_from_cmd(self, cmd: object) -> dict[str, object]:
            return {SpanAttributes.MESSAGING_KAFKA_MESSAGE_KEY: "111222333"}

    keyless = _Keyless(Provider())
    assert keyless.get_consume_attrs_from_message(None) == {
        SpanAttributes.MESSAGING_SYSTEM: "kafka"
    }
    assert keyless.get_publish_attrs_from_cmd(None) == {}


def test_no_instrumentation_while_tracing_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    assert not tracing_enabled() and kafka_middlewares() == []
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert kafka_middlewares() == []
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    assert tracing_enabled() and len(kafka_middlewares()) == 2
