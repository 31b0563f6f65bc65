"""The remembered partitioning gives the partitions Kafka's default gives (the Java client's)."""

from __future__ import annotations

import pytest
from aiokafka.partitioner import DefaultPartitioner
from hypothesis import given
from hypothesis import strategies as st

from ketenkit.partitioner import partition_for

pytestmark = pytest.mark.unit
DEFAULT = DefaultPartitioner()


@given(st.binary(max_size=80), st.integers(1, 64))
def test_the_same_partition_as_the_default(key: bytes, count: int) -> None:
    partitions = list(range(count))
    expected = DEFAULT(key, partitions, partitions)
    assert partition_for(key, partitions, partitions) == expected
    assert partition_for(key, partitions, partitions) == expected  # remembered, still equal


@pytest.mark.parametrize(
    ("key", "partition"),
    [(b"", 681), (b"a", 524), (b"ab", 434), (b"abc", 107), (b"123456789", 566), (b"\x00 ", 742)],
)
def test_the_java_clients_partitions(key: bytes, partition: int) -> None:
    """Of 1,000 partitions, as Kafka's Java producer chooses them (kafka-python's table)."""
    partitions = list(range(1000))
    assert partition_for(key, partitions, partitions) == partition


def test_no_key_takes_an_available_partition() -> None:
    assert partition_for(None, [0, 1, 2, 3], [2]) == 2
