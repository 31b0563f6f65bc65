"""The batch parser: the handlers read records, so FastStream parses no more than one."""

from __future__ import annotations

from typing import Any

from aiokafka import ConsumerRecord
from faststream.kafka.message import KafkaMessage
from faststream.kafka.parser import AioKafkaBatchParser

from ketenkit.incoming import decode_incoming, parse_tolerant


def record(offset: int, header: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="feeds.duo.v1",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=b"{}" * offset,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=[("ce_id", header)],
    )


async def test_a_batch_is_parsed_from_its_first_record_and_keeps_every_record() -> None:
    parser = AioKafkaBatchParser(msg_class=KafkaMessage, regex=None)
    given: list[Any] = []

    async def original(batch: Any) -> Any:
        given.append(batch)
        return await parser.parse_batch(batch)

    batch = (record(1, b"\xff"), record(2, b"ok"), record(3, b"\xfe"))
    message = await parse_tolerant(batch, original)
    assert len(given[0]) == 1  # FastStream decodes no header the handlers will not read
    assert message.raw_message is batch
    assert message.body == [b"{}", b"{}{}", b"{}{}{}"]  # for FastStream's size metric
    incoming = await decode_incoming(message)
    assert [i.record.offset for i in incoming] == [1, 2, 3]
    assert [i.error is not None for i in incoming] == [True, True, True]  # no ce_source etc.
