"""Consumed records as handlers see them: the raw record and its envelope, or why it has none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from faststream.message import StreamMessage
from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from contracts import Envelope, EnvelopeError, from_kafka


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


async def decode_incoming(msg: StreamMessage[Any]) -> list[Incoming]:
    """FastStream decoder: a batch becomes a list of :class:`Incoming`, never an exception."""
    return [Incoming.read(record) for record in records_of(msg)]
