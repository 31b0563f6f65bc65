import json

from aiokafka import ConsumerRecord

from ketenkit import dead_letter, safe_key


def record(key: bytes | None, value: bytes | None) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="feeds.coa.v1",
        partition=2,
        offset=41,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=(("ce_id", b"e1"), ("correlation_id", b"c"), ("x-error-code", b"old")),
    )


def test_safe_key_drops_keys_that_may_be_a_bsn() -> None:
    assert safe_key(record(b"111222333", None)) is None
    assert safe_key(record(b"11122233", None)) is None
    assert safe_key(record(b"111 222 333", None)) is None
    assert safe_key(record(b"ab" * 32, None)) == "ab" * 32
    assert safe_key(record(b"\xff\xfe", None)) is None


def test_dead_letter_carries_reason_origin_and_masked_value() -> None:
    letter = dead_letter(
        record(b"111222333", b'{"bsn":"111222333"}'),
        code="bsn_invalid",
        detail="bsn 111222333 fails",
        failed_by="ingest",
        key=None,
    )
    headers = dict(letter.headers)
    assert letter.topic == "deadletter.v1"
    assert letter.key is None
    assert letter.value == b'{"bsn":"*****2333"}'
    assert headers["x-error-code"] == b"bsn_invalid"
    assert headers["x-error-detail"] == b"bsn *****2333 fails"
    assert headers["x-original-topic"] == b"feeds.coa.v1"
    assert headers["x-original-partition"] == b"2"
    assert headers["x-original-offset"] == b"41"
    assert headers["x-failed-by"] == b"ingest"
    assert headers["ce_id"] == b"e1"
    assert "correlation_id" not in headers
    assert [name for name, _ in letter.headers].count("x-error-code") == 1


def test_dead_letter_masks_every_form_of_a_bsn_in_value_headers_and_detail() -> None:
    value = json.dumps(
        {
            "bsn": "011222333",
            "v_nummer": "12345678",
            "toelichting": "zie 111.222.333",
            "gemeentecode_koppeling": "0111222333",
            "gewijzigd_op": "2024-07-01T09:30:00+02:00",
        }
    ).encode()
    original = record(b"111222333", value)
    original.headers = (("ce_subject", b"111 222 333"), ("ce_time", b"2024-07-01T09:30:00Z"))
    original.offset = 123456789  # a large offset is an offset, never masked
    letter = dead_letter(
        original, code="bsn_invalid", detail="bsn 11122233 fails", failed_by="ingest", key=None
    )
    assert letter.value is not None
    masked = json.loads(letter.value)
    assert masked == {
        "bsn": "*****2333",
        "v_nummer": "*****5678",
        "toelichting": "*****",
        "gemeentecode_koppeling": "*****2333",
        "gewijzigd_op": "2024-07-01T09:30:00+02:00",
    }
    headers = dict(letter.headers)
    assert headers["ce_subject"] == b"*****2333"
    assert headers["ce_time"] == b"2024-07-01T09:30:00Z"
    assert headers["x-error-detail"] == b"bsn *****2233 fails"
    assert headers["x-original-offset"] == b"123456789"
