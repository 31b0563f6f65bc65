"""The CloudEvents 1.0 envelope (NL GOV profile) and its Kafka binary-mode binding.

Headers are written and read by the ``cloudevents`` package's Kafka binding; this module adds
the profile's rules (URN sources, reverse-DNS types, RFC 3339 times, no BSN in any attribute)
and the deterministic ids of derived events.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pydantic_core
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.errors import EnvelopeInvalid, PayloadUnreadable

CONTENT_TYPE = "application/json"
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time")
_SOURCE = re.compile(r"^urn:nld:[a-z0-9][a-z0-9-]*(:[A-Za-z0-9._~-]+)+$")
_TYPE = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9_-]*)+$")
_VERSION_SEGMENT = re.compile(r"^v\d+$")
_FORMAT = JSONFormat()


TRACEPARENT = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
_TRACEPARENT = re.compile(TRACEPARENT)
TRACE_CONTEXT = ("traceparent", "tracestate")
#: The context attributes this project reads; any other ``ce_`` header is an extension it drops.
KNOWN_ATTRIBUTES = frozenset(
    {"specversion", "id", "source", "type", "time", "subject", "dataschema", "sequence"}
    | {"datacontenttype", *TRACE_CONTEXT}
)


def dropped_extensions(headers: Iterable[tuple[str, bytes | None]]) -> int:
    """How many ``ce_`` headers of a record name extension attributes this project drops."""
    return sum(
        1
        for name, _ in headers
        if name.lower().startswith("ce_") and name.lower()[3:] not in KNOWN_ATTRIBUTES
    )


SEQUENCE_DIGITS = 10


def sequence_text(number: int) -> str:
    """``ce_sequence`` as SPEC section 11 writes it: zero-padded, so version 10 sorts after 9."""
    return f"{number:0{SEQUENCE_DIGITS}d}"


def sequence_number(text: str | None) -> int:
    """A ``ce_sequence`` as a number; unpadded values (events already on topics) read too."""
    return int(text) if text else 0


def derived_id(source: str, event_id: str, *parts: object) -> str:
    """Deterministic id of an event derived from event ``source``/``event_id`` (UUIDv5).

    Extra ``parts`` distinguish several events derived from one source event
    (e.g. the rows of a delivery), so a replay yields the same ids.
    """
    name = "|".join([source, event_id, *(str(p) for p in parts)])
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


# A stream has a handful of distinct sources and types: each is checked once per process.
@functools.lru_cache(maxsize=1024)
def _source_problem(value: str) -> str | None:
    if not _SOURCE.match(value):
        return "source must be a URN in the nld namespace, e.g. urn:nld:coa:feed"
    return None


@functools.lru_cache(maxsize=1024)
def _type_problem(value: str) -> str | None:
    if not _TYPE.match(value):
        return "type must be reverse-DNS, e.g. nl.ketenmonitor.contact.registered"
    if sum(1 for part in value.split(".") if _VERSION_SEGMENT.match(part)) > 1:
        return "type may carry one version segment at most"
    return None


class Envelope(BaseModel):
    """One CloudEvent: context attributes plus its JSON ``data`` (``None`` for a tombstone)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: str = Field(default="1.0", pattern=r"^1\.0$", description="CloudEvents version.")
    id: str = Field(
        min_length=1,
        max_length=200,
        description="Unique per source; a repeat of source + id is a duplicate.",
        examples=["0b6f6c1e-5d2a-5e0c-9a43-2f1f7d0d7a10"],
    )
    source: str = Field(
        description="URN in the nld namespace of the system that logged the event.",
        examples=["urn:nld:ketenmonitor:ingest"],
    )
    type: str = Field(
        description="Reverse-DNS event type, at most one version segment.",
        examples=["nl.ketenmonitor.record.municipal"],
    )
    time: AwareDatetime = Field(
        default_factory=lambda: datetime.now(UTC),
        description="When the event was logged (RFC 3339).",
    )
    subject: str | None = Field(
        default=None,
        max_length=200,
        description="Pseudonym, delivery id or contact id; never a BSN.",
    )
    dataschema: str | None = Field(default=None, description="URI of the data's schema.")
    sequence: str | None = Field(
        default=None,
        description="Order of events from one source: a decimal number zero-padded to 10 digits "
        "(the CloudEvents Sequence extension orders lexicographically; see sequence_text).",
    )
    traceparent: str | None = Field(
        default=None,
        pattern=TRACEPARENT,
        description="W3C trace context (CloudEvents Distributed Tracing extension).",
    )
    tracestate: str | None = Field(default=None, max_length=512)
    data: dict[str, Any] | None = Field(default=None, description="The event's JSON data.")

    @field_validator("source")
    @classmethod
    def _urn(cls, value: str) -> str:
        if problem := _source_problem(value):
            raise ValueError(problem)
        return value

    @field_validator("type")
    @classmethod
    def _reverse_dns(cls, value: str) -> str:
        if problem := _type_problem(value):
            raise ValueError(problem)
        return value

    @field_validator("subject")
    @classmethod
    def _no_bsn(cls, value: str | None) -> str | None:
        if value is not None and len(value) == 9 and value.isdigit():
            raise ValueError("subject must not be a BSN")
        return value


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    """What goes on (or comes off) the wire: key, headers and value."""

    key: str | None
    headers: tuple[tuple[str, bytes], ...]
    value: bytes | None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", errors="replace")
        return None


def to_kafka(envelope: Envelope, key: str | None) -> KafkaRecord:
    """Bind ``envelope`` to Kafka binary content mode with message key ``key``."""
    attributes: dict[str, Any] = {
        "specversion": envelope.specversion,
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": envelope.time.astimezone(UTC),
        "datacontenttype": CONTENT_TYPE,
    }
    for name in ("subject", "dataschema", "sequence", *TRACE_CONTEXT):
        value = getattr(envelope, name)
        if value is not None:
            attributes[name] = value
    # The data goes in as JSON bytes (the binding passes bytes through): pydantic's serializer
    # writes them several times faster than the binding's pure-Python encoder path.
    data = None if envelope.data is None else pydantic_core.to_json(envelope.data)
    message = to_binary(CloudEvent(attributes, data), _FORMAT, key_mapper=lambda _: key)
    value = message.value if envelope.data is not None else None
    return KafkaRecord(key=key, headers=tuple(message.headers.items()), value=value)


def _header_map(
    headers: Iterable[tuple[str, bytes | None]] | Mapping[str, bytes],
) -> dict[str, bytes]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    result: dict[str, bytes] = {}
    for name, raw in pairs:
        lowered = name.lower()
        if lowered.startswith("ce_") or lowered == "content-type":
            result[lowered] = raw or b""
    return result


def from_kafka(
    key: bytes | str | None,
    headers: Iterable[tuple[str, bytes | None]] | Mapping[str, bytes],
    value: bytes | None,
) -> Envelope:
    """Read a binary-mode CloudEvent; raise ``EnvelopeInvalid`` or ``PayloadUnreadable``."""
    header_map = _header_map(headers)
    missing = [name for name in REQUIRED_HEADERS if not header_map.get(name)]
    if missing:
        raise EnvelopeInvalid(f"missing header(s): {', '.join(missing)}")
    for name, raw in header_map.items():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise EnvelopeInvalid(f"header {name} is not UTF-8") from None
    if value is not None:
        content_type = header_map.get("content-type", CONTENT_TYPE.encode()).decode()
        if content_type.split(";")[0].strip() != CONTENT_TYPE:
            raise PayloadUnreadable(f"content-type must be {CONTENT_TYPE}, got {content_type!r}")
    message = KafkaMessage(
        headers=header_map,
        key=key.decode("utf-8", "replace") if isinstance(key, bytes) else key,
        value=value or b"",
    )
    try:
        event = from_binary(message, _FORMAT, CloudEvent)
    except (BaseCloudEventException, ValueError, OverflowError) as exc:
        raise EnvelopeInvalid(f"malformed CloudEvent attributes: {_first_line(exc)}") from None
    data = event.get_data()
    if value is not None and not isinstance(data, dict):
        raise PayloadUnreadable("value is not a UTF-8 JSON object")
    attributes = event.get_attributes()
    try:
        return Envelope(
            specversion=attributes["specversion"],
            id=attributes["id"],
            source=attributes["source"],
            type=attributes["type"],
            time=attributes["time"],
            subject=attributes.get("subject"),
            dataschema=attributes.get("dataschema"),
            sequence=attributes.get("sequence"),
            **_trace_context(attributes),
            data=data if isinstance(data, dict) else None,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"ce_{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise EnvelopeInvalid(problems) from None


def _trace_context(attributes: Mapping[str, Any]) -> dict[str, str]:
    """The W3C trace context a sender put on its event; a malformed one is dropped, not fatal
    (tracing must never cost an event). Other extension attributes are dropped by design."""
    found: dict[str, str] = {}
    parent, state = attributes.get("traceparent"), attributes.get("tracestate")
    if isinstance(parent, str) and _TRACEPARENT.fullmatch(parent):
        found["traceparent"] = parent
        if isinstance(state, str) and len(state) <= 512:
            found["tracestate"] = state
    return found


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
