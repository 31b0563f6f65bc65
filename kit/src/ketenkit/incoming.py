"""Consumed records as handlers see them: the raw record and its envelope, or why it has none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from faststream.message import StreamMessage

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


def records_of(msg: StreamMessage[Any]) -> tuple[ConsumerRecord[Any, Any], ...]:
    raw = msg.raw_message
    return tuple(raw) if isinstance(raw, tuple | list) else (raw,)


async def decode_incoming(msg: StreamMessage[Any]) -> list[Incoming]:
    """FastStream decoder: a batch becomes a list of :class:`Incoming`, never an exception."""
    return [Incoming.read(record) for record in records_of(msg)]
