"""Consumed records as handlers see them: the raw record and its envelope, or why it has none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiokafka import ConsumerRecord
from faststream.message import StreamMessage
from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from contracts import Envelope, EnvelopeError, from_kafka
from contracts.privacy import mask_text


@dataclass(frozen=True, slots=True)
class Incoming:
    """One consumed record; exactly one of ``envelope`` and ``error`` is set."""

    record: ConsumerRecord[Any, Any]
    envelope: Envelope | None
    error: EnvelopeError | None

    @classmethod
    def read(cls, record: ConsumerRecord[Any, Any]) -> Incoming:
        try:
            envelope = from_kafka(record.key, record.headers or (), record.value)
        except EnvelopeError as error:
            return cls(record=record, envelope=None, error=error)
        return cls(record=record, envelope=envelope, error=None)

    @property
    def topic(self) -> str:
        return str(self.record.topic)

    def source_mismatch(self, expected: str) -> str | None:
        """Why the record's ``ce_source`` header may not write this topic, or None.

        Read from the raw header, before anything else of the event: a partner's login may
        write only its own feed, but could still claim another's source (SPEC section 11).
        A missing header is left to the envelope's own check.
        """
        for name, value in self.record.headers or ():
            if name == "ce_source":
                claimed = (value or b"").decode("utf-8", "replace")
                if claimed == expected:
                    return None
                shown = mask_text(claimed[:100])
                return f"ce_source {shown!r} may not write {self.topic}: only {expected}"
        return None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # Handlers receive what the decoder made; pydantic checks the type and nothing more.
        return core_schema.is_instance_schema(cls)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "object", "description": "A CloudEvent in Kafka binary content mode."}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    # FastStream's AsyncAPI writer resolves $ref itself; hand it self-contained schemas.
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def batch_schema(*models: type[BaseModel]) -> WithJsonSchema:
    """AsyncAPI payload of a batch subscriber: an array of the topic's event data models."""
    items = []
    for model in models:
        schema = model.model_json_schema()
        items.append(_inline(schema, schema.get("$defs", {})))
    payload = items[0] if len(items) == 1 else {"anyOf": items}
    return WithJsonSchema({"type": "array", "items": payload})


def records_of(msg: StreamMessage[Any]) -> tuple[ConsumerRecord[Any, Any], ...]:
    raw = msg.raw_message
    return tuple(raw) if isinstance(raw, tuple | list) else (raw,)


def _readable(value: bytes | None) -> bytes:
    return (value or b"").decode("utf-8", "replace").encode("utf-8")


def _cleaned(record: ConsumerRecord[Any, Any]) -> ConsumerRecord[Any, Any]:
    """The record itself when its headers are UTF-8 (nearly always), else a cleaned copy."""
    for _, value in record.headers or ():
        if value:
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                break
    else:
        return record
    return replace(record, headers=[(k, _readable(v)) for k, v in (record.headers or ())])


async def parse_tolerant(
    msg: Any, original_parser: Callable[[Any], Awaitable[StreamMessage[Any]]]
) -> StreamMessage[Any]:
    """FastStream parser that survives headers which are not UTF-8, and reads no more than the
    handlers need.

    FastStream's own parser decodes every header of every record into a dict, which no handler
    reads (they read the records), and fails on a header that is not UTF-8, before any handler
    or middleware runs, so such a record would block its partition. It is given the batch's
    first record only, cleaned, for the message's own attributes; the message keeps the
    original records, so each record is judged (and dead-lettered) by the handler like any
    other bad event.
    """
    if not isinstance(msg, tuple | list):
        message = await original_parser(_cleaned(msg))
    else:
        message = await original_parser((_cleaned(msg[0]),))
        message.body = [record.value or b"" for record in msg]  # FastStream's size metric
    message.raw_message = msg
    return message


async def decode_incoming(msg: StreamMessage[Any]) -> list[Incoming]:
    """FastStream decoder: a batch becomes a list of :class:`Incoming`, never an exception."""
    return [Incoming.read(record) for record in records_of(msg)]
