"""Dead letters: building them (BSN masked) and the retry-then-dead-letter middleware.

Every consumer dead-letters through its service's :class:`DeadLetterPolicy`: a handler hands
the records it rejects (:class:`Rejected`) to ``policy.send``, or publishes ``policy.letters``
with its own output and then calls ``policy.report``; a handler that raises is isolated by the
middleware below.

A handler that raises is retried with exponential backoff; when it keeps failing, every
record of the message (or batch) goes to ``deadletter.v1`` with SPEC section 4's ``x-…``
headers and the stream goes on. Transient failures (database or broker away) are never
dead-lettered: the exception is re-raised after a backoff, so the subscriber seeks back and
no offset is committed until the dependency returns.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import EllipsisType, TracebackType
from typing import Any

from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from faststream import BaseMiddleware
from faststream.exceptions import HandlerException
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from prometheus_client import Counter
from sqlalchemy.exc import DBAPIError, OperationalError

from contracts import ContractError
from contracts.deadletter import (
    HEADER_ERROR_CODE,
    HEADER_ERROR_DETAIL,
    HEADER_FAILED_BY,
    HEADER_ORIGINAL_OFFSET,
    HEADER_ORIGINAL_PARTITION,
    HEADER_ORIGINAL_TOPIC,
    PROCESSING_FAILED,
)
from contracts.privacy import mask_bytes, mask_payload, mask_text
from contracts.topics import DEADLETTER
from ketenkit.incoming import records_of
from ketenkit.messages import Outgoing, publish_all

logger = logging.getLogger(__name__)

_MAX_DETAIL = 500
_MAX_HEADER = 4096
_DROPPED_HEADERS = frozenset({"correlation_id"})
#: What a dead letter may weigh at most (value, key and headers): below the producer's and the
#: broker's 1 MiB defaults with room for the record's own overhead.
MAX_DEAD_LETTER_BYTES = 1_000_000
HEADER_TRUNCATED = "x-truncated"
HEADER_ORIGINAL_SIZE = "x-original-size"

KeyFor = Callable[["ConsumerRecord[Any, Any]"], str | None]


def safe_key(record: ConsumerRecord[Any, Any]) -> str | None:
    """The original key unless it may hold a BSN or is not UTF-8."""
    key = record.key
    if key is None:
        return None
    raw = key if isinstance(key, bytes) else str(key).encode()
    if mask_bytes(raw) != raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def dead_letter(
    record: ConsumerRecord[Any, Any],
    *,
    code: str,
    detail: str,
    failed_by: str,
    key: str | None,
    topic: str = DEADLETTER.name,
    max_bytes: int = MAX_DEAD_LETTER_BYTES,
) -> Outgoing:
    """The dead letter of ``record``: its headers and value with BSNs masked, plus ``x-…``.

    The value is masked by field name when it parses, and by the backstop in any case; the
    ``x-original-*`` headers and the key (chosen by the caller) are never masked.
    """
    headers = [
        (name, mask_bytes((value or b"")[:_MAX_HEADER]))
        for name, value in (record.headers or ())
        if name not in _DROPPED_HEADERS and not name.startswith("x-")
    ]
    detail_bytes = mask_text(detail)[:_MAX_DETAIL].encode("utf-8", "replace")
    headers += [
        (HEADER_ERROR_CODE, code.encode()),
        (HEADER_ERROR_DETAIL, detail_bytes),
        (HEADER_ORIGINAL_TOPIC, str(record.topic).encode()),
        (HEADER_ORIGINAL_PARTITION, str(record.partition).encode()),
        (HEADER_ORIGINAL_OFFSET, str(record.offset).encode()),
        (HEADER_FAILED_BY, failed_by.encode()),
    ]
    value = mask_payload(record.value) if isinstance(record.value, bytes) else None
    if value is not None:
        # Cut to fit: a dead letter the broker refuses would leave its record unhandled, and
        # the partition would read it again for ever.
        room = max_bytes - len(key or "") - sum(len(n) + len(v) + 64 for n, v in headers) - 256
        if len(value) > room:
            headers += [
                (HEADER_TRUNCATED, b"true"),
                (HEADER_ORIGINAL_SIZE, str(len(record.value or b"")).encode()),
            ]
            value = value[: max(0, room)]
    return Outgoing(topic=topic, key=key, headers=tuple(headers), value=value)


def is_transient(exc: BaseException) -> bool:
    """Failures of a dependency rather than of the event: retry, never dead-letter."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(
        exc,
        OperationalError
        | ConnectionError
        | TimeoutError
        | KafkaConnectionError
        | KafkaTimeoutError
        | OSError,
    )


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record its consumer cannot use, and why. ``key`` is its dead letter's key when the
    consumer knows one (a feed event's pseudonym); ``...`` leaves it to the policy."""

    record: ConsumerRecord[Any, Any]
    code: str
    detail: str
    key: str | EllipsisType | None = ...


@dataclass
class DeadLetterPolicy:
    """How a service retries and dead-letters; the broker is attached once it exists."""

    failed_by: str
    max_retries: int = 3
    backoff_seconds: float = 0.2
    backoff_max_seconds: float = 10.0
    deadletter_topic: str = DEADLETTER.name
    key_for: KeyFor = safe_key
    transient: Callable[[BaseException], bool] = is_transient
    on_dead_letter: Callable[[str, str], None] | None = None
    on_transient: Callable[[BaseException], None] | None = None
    broker: KafkaBroker | None = field(default=None, repr=False)
    counter: Counter | None = field(default=None, repr=False)

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max_seconds, self.backoff_seconds * 2 ** max(0, attempt - 1)))

    def letters(self, rejected: Sequence[Rejected]) -> list[Outgoing]:
        """The dead letters of ``rejected``, for a consumer that publishes them with its own
        output (then :meth:`report` them once acknowledged)."""
        return [
            dead_letter(
                r.record,
                code=r.code,
                detail=r.detail,
                failed_by=self.failed_by,
                key=self.key_for(r.record) if r.key is ... else r.key,
                topic=self.deadletter_topic,
            )
            for r in rejected
        ]

    def report(self, rejected: Sequence[Rejected]) -> None:
        """Log and count dead letters that Kafka has acknowledged."""
        for r in rejected:
            logger.warning(
                "event_dead_lettered",
                extra={
                    "topic": r.record.topic,
                    "partition": r.record.partition,
                    "offset": r.record.offset,
                    "code": r.code,
                },
            )
            if self.on_dead_letter is not None:
                self.on_dead_letter(str(r.record.topic), r.code)

    async def send(self, rejected: Sequence[Rejected]) -> None:
        """Publish the dead letters of ``rejected`` at once (outside any database
        transaction), then report them."""
        if not rejected:
            return
        if self.broker is None:
            raise RuntimeError("DeadLetterPolicy.broker is not attached")
        await publish_all(self.broker, self.letters(rejected), counter=self.counter)
        self.report(rejected)

    def middleware(self, msg: Any, /, *, context: Any) -> RetryThenDeadLetter:
        """FastStream middleware factory: ``KafkaBroker(middlewares=[policy.middleware])``."""
        return RetryThenDeadLetter(msg, context=context, policy=self)


class RetryThenDeadLetter(BaseMiddleware):
    """Retries the handler with backoff, then dead-letters the message's records."""

    def __init__(self, msg: Any, /, *, context: Any, policy: DeadLetterPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Any], msg: StreamMessage[Any]
    ) -> Any:
        attempt = 0
        while True:
            try:
                return await call_next(msg)
            except (HandlerException, asyncio.CancelledError):
                raise
            except Exception as exc:
                attempt += 1
                if self.policy.transient(exc):
                    await self._wait_for_dependency(exc, attempt)
                    raise
                if attempt <= self.policy.max_retries:
                    logger.warning(
                        "handler_failed_retrying",
                        extra={"error": type(exc).__name__, "attempt": attempt},
                    )
                    await asyncio.sleep(self.policy.backoff(attempt))
                    continue
                await self._isolate(call_next, msg, exc, attempt)
                return None

    async def _wait_for_dependency(self, exc: BaseException, attempt: int) -> None:
        if self.policy.on_transient is not None:
            self.policy.on_transient(exc)
        logger.warning(
            "handler_dependency_unavailable",
            extra={"error": type(exc).__name__, "attempt": attempt},
        )
        await asyncio.sleep(self.policy.backoff(attempt + 2))

    async def _isolate(
        self,
        call_next: Callable[[StreamMessage[Any]], Any],
        msg: StreamMessage[Any],
        exc: Exception,
        attempts: int,
    ) -> None:
        """Split a failing batch in halves until the failing records stand alone."""
        records = records_of(msg)
        if len(records) == 1:
            code = exc.code if isinstance(exc, ContractError) else PROCESSING_FAILED
            detail = exc.detail if isinstance(exc, ContractError) else type(exc).__name__
            await self.policy.send(
                [Rejected(records[0], code, f"{detail} after {attempts} attempts")]
            )
            return
        middle = len(records) // 2
        for part in (records[:middle], records[middle:]):
            sub = copy.copy(msg)
            sub.raw_message = part
            try:
                await call_next(sub)
            except (HandlerException, asyncio.CancelledError):
                raise
            except Exception as part_exc:
                if self.policy.transient(part_exc):
                    await self._wait_for_dependency(part_exc, 1)
                    raise
                await self._isolate(call_next, sub, part_exc, attempts)

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool | None:
        return False
