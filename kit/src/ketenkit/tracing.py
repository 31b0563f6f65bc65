"""One trace across the chain (OpenTelemetry), carried in the CloudEvents ``traceparent``.

Configured by the standard ``OTEL_*`` variables and off unless an exporter is named:
``OTEL_TRACES_EXPORTER=otlp`` sends spans to ``OTEL_EXPORTER_OTLP_ENDPOINT`` (OTLP over HTTP);
``console`` writes one JSON object per span, to ``KETENMONITOR_TRACE_FILE`` when set (what
``make run`` and the tests use) or standard output. Span attributes hold ids and counts only:
never a BSN, a token or a row's data.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.semconv.trace import SpanAttributes
from opentelemetry.trace import Link, Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from contracts.privacy import mask_text

logger = logging.getLogger(__name__)
_PROPAGATOR = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None
_EXPORTERS = ("console", "otlp")
#: Links from one consumer batch's span to the traces of its events (OpenTelemetry keeps 128).
MAX_BATCH_LINKS = 64


def tracing_enabled() -> bool:
    """Whether the environment names an exporter (instrumentation is installed only then, so
    that tracing costs nothing on the hot path while it is off)."""
    return os.environ.get("OTEL_TRACES_EXPORTER", "none").strip().lower() in _EXPORTERS


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, tuple | list):
        return type(value)(_masked(v) for v in value)
    return value


def masked_span(span: ReadableSpan) -> ReadableSpan:
    """The span with every text attribute (its events' too) under the project's BSN mask: a URL,
    a query or an exception message a client filled with a number never leaves as it came."""
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes={k: _masked(v) for k, v in (span.attributes or {}).items()},
        events=[
            Event(e.name, {k: _masked(v) for k, v in (e.attributes or {}).items()}, e.timestamp)
            for e in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class MaskingExporter(SpanExporter):
    """Masks every span before the real exporter sees it (spans are logs of a kind)."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([masked_span(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class JsonLinesExporter(SpanExporter):
    """Spans as JSON lines in a file (appended; safe across this process's threads)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = [span.to_json(indent=None) for span in spans]
        with self.lock:
            for line in lines:
                self.stream.write(line + "\n")
            self.stream.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.stream.flush()


class QuietOrphanClients(Sampler):
    """Drops a client span that has no parent: a database query or an HTTP call made outside
    any traced work (the outbox relay's polls, readiness pings, background sweeps between
    their batches) would be a trace of one span, several a second. Inside a request, a
    consumer batch or the relay's publishing they are kept as that work's children."""

    def __init__(self, inner: Sampler) -> None:
        self.inner = inner

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if kind is SpanKind.CLIENT and not parent.is_valid:
            return SamplingResult(Decision.DROP)
        return self.inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"QuietOrphanClients{{{self.inner.get_description()}}}"


def setup_tracing(service_name: str) -> bool:
    """Install the tracer provider the environment asks for; False when tracing is off."""
    global _provider
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "none").strip().lower()
    if exporter_name in ("", "none"):
        return False
    exporter: SpanExporter
    if exporter_name == "console":
        path = os.environ.get("KETENMONITOR_TRACE_FILE")
        stream: IO[str] = open(path, "a", encoding="utf-8") if path else sys.stdout  # noqa: SIM115
        exporter = JsonLinesExporter(stream)
    elif exporter_name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    else:
        logger.warning("tracing_exporter_unknown", extra={"exporter": exporter_name})
        return False
    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    _provider = TracerProvider(resource=Resource.create({"service.name": name}))
    # The sampler OTEL_TRACES_SAMPLER names (parent-based always-on by default), quietened.
    _provider.sampler = QuietOrphanClients(_provider.sampler)
    _provider.add_span_processor(
        BatchSpanProcessor(MaskingExporter(exporter), schedule_delay_millis=500)
    )
    trace.set_tracer_provider(_provider)
    return True


def instrument_app(app: Any) -> None:
    """Server spans for every request (not health and metrics); they join the caller's trace
    from its ``traceparent`` header. Costs next to nothing while tracing is off."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="health/.*,metrics")


def instrument_client(client: Any) -> None:
    """Client spans for an httpx client, and the ``traceparent`` header on its requests."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client)


def instrument_database(engine: Any) -> None:
    """Client spans for a service's database calls (the statement with its placeholders:
    parameters never reach a span). Only while tracing is on; one database per process."""
    if not tracing_enabled():
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # Its declared range stops below SQLAlchemy 2.1; the event hooks it uses are unchanged
    # there (tests/e2e/test_one_trace.py sees the spans).
    SQLAlchemyInstrumentor().instrument(engine=engine, skip_dep_check=True)


def kafka_middlewares() -> list[Any]:
    """FastStream's consumer spans, outermost, while tracing is on (else none).

    A batch's span links to the traces its events carry in ``traceparent``. The Kafka key is
    left out of the span's attributes: on the partners' feeds it is a BSN.
    """
    if not tracing_enabled():
        return []
    from faststream.kafka.opentelemetry.provider import telemetry_attributes_provider_factory
    from faststream.opentelemetry.middleware import TelemetryMiddleware

    from ketenkit.batch_links import LinkBatchToItsEvents

    def keyless(msg: Any) -> Any:
        return _Keyless(telemetry_attributes_provider_factory(msg))

    return [TelemetryMiddleware(settings_provider_factory=keyless), LinkBatchToItsEvents]


class _Keyless:
    """FastStream's Kafka span attributes without the message key."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.messaging_system: str = inner.messaging_system

    @staticmethod
    def _without_key(attributes: dict[str, Any]) -> dict[str, Any]:
        attributes.pop(SpanAttributes.MESSAGING_KAFKA_MESSAGE_KEY, None)
        return attributes

    def get_consume_attrs_from_message(self, msg: Any) -> dict[str, Any]:
        return self._without_key(self.inner.get_consume_attrs_from_message(msg))

    def get_consume_destination_name(self, msg: Any) -> str:
        return str(self.inner.get_consume_destination_name(msg))

    def get_publish_attrs_from_cmd(self, cmd: Any) -> dict[str, Any]:
        return self._without_key(self.inner.get_publish_attrs_from_cmd(cmd))

    def get_publish_destination_name(self, cmd: Any) -> str:
        return str(self.inner.get_publish_destination_name(cmd))


def link_current_span(traceparents: Iterable[str | None], limit: int = MAX_BATCH_LINKS) -> int:
    """Link the current span to the distinct traces ``traceparents`` name; return how many."""
    current = trace.get_current_span()
    if not current.is_recording():
        return 0
    seen: set[str] = set()
    for traceparent in traceparents:
        if len(seen) >= limit:
            break
        if not traceparent or traceparent in seen:
            continue
        link = link_to(traceparent)
        if link is not None:
            seen.add(traceparent)
            current.add_link(link.context)
    return len(seen)


def shutdown_tracing() -> None:
    """Flush what is buffered (the service is stopping)."""
    if _provider is not None:
        _provider.force_flush()


def tracer() -> trace.Tracer:
    return trace.get_tracer("ketenmonitor")


def context_of(traceparent: str | None, tracestate: str | None = None) -> Context | None:
    """The remote context a ``traceparent`` names (None when there is none)."""
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    return _PROPAGATOR.extract(carrier)


def link_to(traceparent: str | None) -> Link | None:
    context = context_of(traceparent)
    if context is None:
        return None
    span_context = trace.get_current_span(context).get_span_context()
    return Link(span_context) if span_context.is_valid else None


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, for an event's envelope (None when off)."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def span(
    name: str,
    *,
    parent: str | None = None,
    links: Sequence[str | None] = (),
    attributes: dict[str, Any] | None = None,
) -> Iterator[Span]:
    """A span, child of ``parent`` (a traceparent) when given, else of the current span."""
    found = [link for link in (link_to(p) for p in links) if link is not None]
    with tracer().start_as_current_span(
        name, context=context_of(parent), links=found, attributes=attributes or {}
    ) as current:
        yield current


def as_json(line: str) -> dict[str, Any]:
    """One exported span line, parsed (for tests and tools)."""
    parsed: dict[str, Any] = json.loads(line)
    return parsed
