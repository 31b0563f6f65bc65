import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.privacy import mask_bytes, mask_payload, mask_text

from .test_bsn import valid_bsns


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("BSN 123456782 is wrong", "BSN *****6782 is wrong"),
        ("lost its zero: 12345678;", "lost its zero: *****5678;"),
        ("padded 0123456782.", "padded *****6782."),
        ("spaced 123 456 782 here", "spaced *****6782 here"),
        ("dotted 123.456.782", "dotted *****6782"),
        ("dashed 123-456-782", "dashed *****6782"),
        ("quoted '123456782'", "quoted '*****6782'"),
        ('in json {"x":"123456782"}', 'in json {"x":"*****6782"}'),
        ("row 12 123 456 782", "row *****6782"),
        ("escaped \\u0031\\u0032\\u0033456782", "escaped *****6782"),
        ("GM0344;123456782;gezinsmigrant", "GM0344;*****6782;gezinsmigrant"),
    ],
)
def test_numbers_that_may_be_a_bsn_are_masked_in_every_form(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "datum 2025-01-06 and 2024-07-01T09:30:00Z and 2024-07-01T09:30:00.123+02:00",
        "id 1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "pseudonym " + "0123456789abcdef" * 4,
        "GM0344 row 1234567 of 3,571,429; 12345678901 has eleven digits",
        "BSN123456782 touches a letter",
        "quarter 2025-Q2, partition 5, offset 1234",
    ],
)
def test_dates_timestamps_ids_and_other_numbers_stay(text: str) -> None:
    assert mask_text(text) == text


def test_a_bsn_beside_a_date_is_still_masked() -> None:
    assert mask_text("2025-01-06 123456782") == "2025-01-06 *****6782"
    assert mask_text("2025-01-06;123456782") == "2025-01-06;*****6782"


@given(valid_bsns, st.sampled_from(["", " ", ".", "-"]))
def test_no_valid_bsn_survives_masking_in_any_grouping(bsn: str, sep: str) -> None:
    for form in (bsn, bsn.lstrip("0"), "0" + bsn, sep.join([bsn[:3], bsn[3:6], bsn[6:]])):
        masked = mask_text(f"x {form} y")
        assert bsn not in masked.replace(sep, "") if sep else bsn not in masked


def test_json_payloads_are_masked_by_field_name_and_backstop() -> None:
    value = json.dumps(
        {
            "bsn": "12345",  # not nine digits, still personal by its name
            "v_nummer": "V-9988776655",
            "toelichting": "Onterecht: partner heeft BSN 123 456 782",
            "gemeentecode_koppeling": "123456782",  # a BSN in the wrong field
            "nested": [{"bsn": 123456782}],
            "gewijzigd_op": "2024-07-01T09:30:00Z",
        }
    ).encode()
    masked = json.loads(mask_payload(value))
    assert masked["bsn"] == "*****2345"
    assert masked["v_nummer"] == "*****6655"
    assert masked["toelichting"] == "*****"
    assert masked["gemeentecode_koppeling"] == "*****6782"
    assert masked["nested"] == [{"bsn": "*****6782"}]
    assert masked["gewijzigd_op"] == "2024-07-01T09:30:00Z"


def test_a_json_escaped_bsn_is_masked_parsed_or_not() -> None:
    escaped = b'{"gemeentecode": "\\u0031\\u0032\\u0033\\u0034\\u0035\\u0036\\u0037\\u0038\\u0032"}'
    assert b"6782" in mask_payload(escaped)
    assert json.loads(mask_payload(escaped)) == {"gemeentecode": "*****6782"}
    truncated = escaped[:-3]  # not JSON any more
    assert b"\\u0031" not in mask_payload(truncated)
    assert b"*****5678" in mask_payload(truncated)


def test_clean_and_unreadable_payloads() -> None:
    clean = b'{"pseudonym": "' + b"ab" * 32 + b'", "row": 12}'
    assert mask_payload(clean) is clean  # unchanged bytes, replayable as they were
    assert mask_bytes(b"\xff\xfe 123456782") == "\ufffd\ufffd *****6782".encode()
    deep = b"[" * 100_000
    assert mask_payload(deep) == deep
