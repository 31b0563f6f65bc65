import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from contracts import (
    Envelope,
    EnvelopeInvalid,
    KafkaRecord,
    PayloadUnreadable,
    derived_id,
    from_kafka,
    to_kafka,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
envelopes = st.builds(
    Envelope,
    id=st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
    ),
    source=st.sampled_from(["urn:nld:coa:feed", "urn:nld:ketenmonitor:ingest"]),
    type=st.sampled_from(["nl.coa.vergunninghouder.gewijzigd", "nl.ketenmonitor.record.duo"]),
    time=st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)),
    subject=st.none() | st.text("abcdef0123456789", min_size=10, max_size=64),
    sequence=st.none() | st.integers(0, 10**9).map(str),
    data=st.none() | st.dictionaries(st.text(max_size=10), json_values, max_size=5),
)


@given(envelopes, st.none() | st.text("0123456789abcdef", min_size=1, max_size=64))
def test_envelope_round_trips_through_kafka_binary_mode(
    envelope: Envelope, key: str | None
) -> None:
    record = to_kafka(envelope, key)
    assert record.key == key
    assert record.header("ce_specversion") == "1.0"
    assert (record.value is None) == (envelope.data is None)
    assert from_kafka(key.encode() if key else None, record.headers, record.value) == envelope


def sample() -> KafkaRecord:
    envelope = Envelope(
        id="1", source="urn:nld:duo:feed", type="nl.duo.examen.uitslag", data={"x": 1}
    )
    return to_kafka(envelope, "k")


@pytest.mark.parametrize("missing", ["ce_id", "ce_source", "ce_type", "ce_time", "ce_specversion"])
def test_missing_header_is_envelope_invalid_and_named(missing: str) -> None:
    record = sample()
    headers = [(k, v) for k, v in record.headers if k != missing]
    with pytest.raises(EnvelopeInvalid, match=missing) as info:
        from_kafka(b"k", headers, record.value)
    assert info.value.code == "envelope_invalid"


@pytest.mark.parametrize("value", [b"not json", b"\xff\xfe", b"[1, 2]", b'"text"'])
def test_unreadable_payload_is_payload_unreadable(value: bytes) -> None:
    with pytest.raises(PayloadUnreadable) as info:
        from_kafka(b"k", sample().headers, value)
    assert info.value.code == "payload_unreadable"


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("ce_source", b"http://x", "URN"),
        ("ce_time", b"yesterday", "malformed"),
        ("ce_type", b"nl.x.v1.v2", "one version"),
        ("ce_specversion", b"0.3", "specversion"),
    ],
)
def test_malformed_header_is_envelope_invalid(header: str, value: bytes, message: str) -> None:
    record = sample()
    headers = [(k, value if k == header else v) for k, v in record.headers]
    with pytest.raises(EnvelopeInvalid, match=message):
        from_kafka(b"k", headers, record.value)


def test_subject_refuses_a_bsn() -> None:
    with pytest.raises(ValidationError, match="BSN"):
        Envelope(id="1", source="urn:nld:coa:feed", type="nl.a.b", subject="111222333")


def test_derived_ids_follow_the_spec_formula() -> None:
    assert derived_id("urn:nld:coa:feed", "abc") == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "urn:nld:coa:feed|abc")
    )
    assert derived_id("urn:nld:ketenmonitor:ingest", "d1", 7) == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "urn:nld:ketenmonitor:ingest|d1|7")
    )


def test_ce_sequence_is_zero_padded_and_old_unpadded_values_still_read() -> None:
    from contracts import sequence_number, sequence_text

    assert sequence_text(7) == "0000000007"
    assert sorted(sequence_text(n) for n in (10, 9, 100)) == [
        sequence_text(9),
        sequence_text(10),
        sequence_text(100),
    ]
    assert sequence_number("0000000010") == 10
    assert sequence_number("10") == 10  # events already on compacted topics
    assert sequence_number(None) == 0


@given(st.text(max_size=60), st.text(max_size=60), st.lists(st.integers() | st.text(), max_size=3))
def test_derived_ids_are_uuid5_for_any_name(
    source: str, event_id: str, parts: list[object]
) -> None:
    name = "|".join([source, event_id, *(str(p) for p in parts)])
    assert derived_id(source, event_id, *parts) == str(uuid.uuid5(uuid.NAMESPACE_URL, name))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ce_id", "CE_ID", "ce_partitionkey", "Ce_Foo", "content-type", "x"]),
            st.just(b"v"),
        ),
        max_size=8,
    )
)
def test_dropped_extensions_counts_unknown_ce_headers_in_any_case(
    headers: list[tuple[str, bytes]],
) -> None:
    from contracts.envelope import KNOWN_ATTRIBUTES, dropped_extensions

    expected = sum(
        1
        for name, _ in headers
        if name.lower().startswith("ce_") and name.lower()[3:] not in KNOWN_ATTRIBUTES
    )
    assert dropped_extensions(headers) == expected
