"""A consumer batch's span linked to the traces of the events in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faststream import BaseMiddleware
from faststream.message import StreamMessage

from contracts.envelope import TRACEPARENT_HEADER
from ketenkit.tracing import link_current_span


class LinkBatchToItsEvents(BaseMiddleware):
    """Inside FastStream's telemetry middleware: its batch span starts a trace of its own (our
    events carry no ``correlation_id`` for it to link by), and links here to each distinct
    trace the batch's events carry in their ``ce_traceparent`` header."""

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Any], msg: StreamMessage[Any]
    ) -> Any:
        headers = msg.batch_headers or [msg.headers]
        link_current_span(h.get(TRACEPARENT_HEADER) for h in headers)
        return await call_next(msg)
