"""Print the events on a topic from the beginning: `python -m ketenkit.tail <topic>`.

Shows key, CloudEvents headers and the JSON value of each record; stops after ``--idle`` seconds
without new records.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os

from aiokafka import AIOKafkaConsumer


async def tail(bootstrap: str, topic: str, idle: float) -> int:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    count = 0
    try:
        while batches := await consumer.getmany(timeout_ms=int(idle * 1000)):
            for records in batches.values():
                for record in records:
                    count += 1
                    headers = {k: v.decode("utf-8", "replace") for k, v in record.headers}
                    value = json.loads(record.value) if record.value else None
                    print(
                        json.dumps(
                            {
                                "partition": record.partition,
                                "offset": record.offset,
                                "key": record.key.decode("utf-8", "replace")
                                if record.key
                                else None,
                                "headers": headers,
                                "value": value,
                            },
                            ensure_ascii=False,
                            indent=2,
                        )
                    )
    finally:
        await consumer.stop()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a topic's events from the beginning.")
    parser.add_argument("topic")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")
    )
    parser.add_argument(
        "--idle", type=float, default=2.0, help="stop after this many quiet seconds"
    )
    args = parser.parse_args()
    count = asyncio.run(tail(args.bootstrap, args.topic, args.idle))
    print(f"{count} record(s) on {args.topic}")


if __name__ == "__main__":
    main()
