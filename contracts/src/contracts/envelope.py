"""The CloudEvents 1.0 envelope (NL GOV profile) and its Kafka binary-mode binding.

The binding is a small codec of the project's own (SPEC section 11 allows it): every attribute a
``ce_`` header of UTF-8 text, ``content-type`` for ``datacontenttype``, the JSON data as the
value; times as RFC 3339 (``Z`` for UTC). Tests hold it to the ``cloudevents`` package as the
reference: each reads the other's output as the same event. It is several times faster than the
package's binding on the hot path (no per-event attribute objects, ``datetime.fromisoformat``).
This module adds the profile's rules (URN sources, reverse-DNS types, RFC 3339 times, no BSN in
any attribute) and the deterministic ids of derived events.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pydantic_core
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.errors import EnvelopeInvalid, PayloadUnreadable

CONTENT_TYPE = "application/json"
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time")
_REQUIRED = tuple(name[3:] for name in REQUIRED_HEADERS)
_SOURCE = re.compile(r"^urn:nld:[a-z0-9][a-z0-9-]*(:[A-Za-z0-9._~-]+)+$")
_TYPE = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9_-]*)+$")
_VERSION_SEGMENT = re.compile(r"^v\d+$")
_CONTENT_TYPE_HEADER = ("content-type", CONTENT_TYPE.encode())
_SPECVERSION_HEADER = ("ce_specversion", b"1.0")
_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes
_OPTIONAL = ("subject", "dataschema", "sequence", "traceparent", "tracestate")


TRACEPARENT = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
_TRACEPARENT = re.compile(TRACEPARENT)
TRACE_CONTEXT = ("traceparent", "tracestate")
#: The Kafka header (binary content mode) that carries an event's ``traceparent``.
TRACEPARENT_HEADER = "ce_traceparent"
#: The context attributes this project reads; any other ``ce_`` header is an extension it drops.
KNOWN_ATTRIBUTES = frozenset(
    {"specversion", "id", "source", "type", "time", "subject", "dataschema", "sequence"}
    | {"datacontenttype", *TRACE_CONTEXT}
)


_KNOWN_HEADERS = frozenset(f"ce_{name}" for name in KNOWN_ATTRIBUTES)


def dropped_extensions(headers: Iterable[tuple[str, bytes | None]]) -> int:
    """How many ``ce_`` headers of a record name extension attributes this project drops."""
    dropped = 0
    for name, _ in headers:
        if name in _KNOWN_HEADERS:  # the usual case, written lower-case: no lower() needed
            continue
        lowered = name.lower()
        if lowered.startswith("ce_") and lowered[3:] not in KNOWN_ATTRIBUTES:
            dropped += 1
    return dropped


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
    # uuid.uuid5, written out: the same bytes without building a UUID object per event.
    digest = bytearray(hashlib.sha1(_URL_NAMESPACE + name.encode(), usedforsecurity=False).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


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


@functools.lru_cache(maxsize=4096)
def _utf8(text: str) -> bytes:
    # Sources and types repeat on every event of a stream: encoded once.
    return text.encode()


def rfc3339(moment: datetime) -> str:
    """``moment`` in UTC as RFC 3339, ``Z`` for the offset (as the reference binding writes)."""
    text = moment.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def to_kafka(envelope: Envelope, key: str | None) -> KafkaRecord:
    """Bind ``envelope`` to Kafka binary content mode with message key ``key``."""
    headers = [
        _SPECVERSION_HEADER,
        ("ce_id", envelope.id.encode()),
        ("ce_source", _utf8(envelope.source)),
        ("ce_type", _utf8(envelope.type)),
        ("ce_time", rfc3339(envelope.time).encode()),
        _CONTENT_TYPE_HEADER,
    ]
    for name in _OPTIONAL:
        value = getattr(envelope, name)
        if value is not None:
            headers.append(("ce_" + name, value.encode()))
    value = None if envelope.data is None else pydantic_core.to_json(envelope.data)
    return KafkaRecord(key=key, headers=tuple(headers), value=value)


def from_kafka(
    key: bytes | str | None,
    headers: Iterable[tuple[str, bytes | None]] | Mapping[str, bytes],
    value: bytes | None,
) -> Envelope:
    """Read a binary-mode CloudEvent; raise ``EnvelopeInvalid`` or ``PayloadUnreadable``."""
    del key  # the key is the partition key, not an attribute of the event
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    attributes: dict[str, str] = {}
    content_type = CONTENT_TYPE
    for name, raw in pairs:
        lowered = name.lower()
        is_attribute = lowered.startswith("ce_")
        if not is_attribute and lowered != "content-type":
            continue
        try:
            text = (raw or b"").decode("utf-8")
        except UnicodeDecodeError:
            raise EnvelopeInvalid(f"header {lowered} is not UTF-8") from None
        if is_attribute:
            attributes[lowered[3:]] = text
        else:
            content_type = text
    missing = [f"ce_{name}" for name in _REQUIRED if not attributes.get(name)]
    if missing:
        raise EnvelopeInvalid(f"missing header(s): {', '.join(missing)}")
    if value is not None and content_type.split(";")[0].strip() != CONTENT_TYPE:
        raise PayloadUnreadable(f"content-type must be {CONTENT_TYPE}, got {content_type!r}")
    try:
        time = datetime.fromisoformat(attributes["time"])
    except ValueError as exc:
        raise EnvelopeInvalid(f"malformed CloudEvent attributes: {_first_line(exc)}") from None
    data: dict[str, Any] | None = None
    if value is not None:
        try:
            parsed = pydantic_core.from_json(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise PayloadUnreadable("value is not a UTF-8 JSON object")
        data = parsed
    try:
        return Envelope(
            specversion=attributes["specversion"],
            id=attributes["id"],
            source=attributes["source"],
            type=attributes["type"],
            time=time,
            subject=attributes.get("subject"),
            dataschema=attributes.get("dataschema"),
            sequence=attributes.get("sequence"),
            **_trace_context(attributes),
            data=data,
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
