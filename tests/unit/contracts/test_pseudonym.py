import base64
import hashlib
import hmac
import re
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import BsnInvalid, Pseudonymiser, PseudonymKeyInvalid, decode_pseudonym_key

from .test_bsn import valid_bsns

KEY_TEXT = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"
KEY = bytes.fromhex(KEY_TEXT)


def test_pseudonym_is_hmac_sha256_lower_hex_under_the_decoded_key() -> None:
    expected = hmac.new(KEY, b"111222333", hashlib.sha256).hexdigest()
    assert Pseudonymiser(KEY).pseudonymise("111222333") == expected
    assert Pseudonymiser.from_text(KEY_TEXT).pseudonymise("111222333") == expected


def test_a_key_of_only_hex_digits_is_hex_else_base64url() -> None:
    raw = secrets.token_bytes(32)
    assert decode_pseudonym_key(raw.hex()) == raw
    assert decode_pseudonym_key(raw.hex().upper()) == raw
    b64 = base64.urlsafe_b64encode(raw).decode()
    assert decode_pseudonym_key(b64) == raw  # padded
    assert decode_pseudonym_key(b64.rstrip("=")) == raw  # as secrets.token_urlsafe writes it
    made = secrets.token_urlsafe(32)
    assert len(decode_pseudonym_key(made)) == 32


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("a" * 44, "bytes"),  # only hex digits: 22 bytes
        ("a" * 64, "distinct"),  # 32 bytes, one value
        ("z" * 44, "distinct"),  # base64url: 33 bytes, three values
        ("short", "not valid base64url"),
        ("a-passphrase-typed-in-x", "17 bytes"),
        ("has spaces and + / signs that base64url has not", "neither hex nor base64url"),
        ("abc", "odd number"),
        ("", "empty"),
    ],
)
def test_weak_or_unreadable_keys_are_refused_with_how_to_make_one(value: str, why: str) -> None:
    with pytest.raises(PseudonymKeyInvalid, match=why) as caught:
        decode_pseudonym_key(value)
    assert "secrets.token_urlsafe(32)" in caught.value.detail


def test_fingerprint_identifies_the_key_without_revealing_it() -> None:
    p = Pseudonymiser(KEY)
    assert re.fullmatch(r"[0-9a-f]{32}", p.fingerprint)
    assert p.fingerprint == Pseudonymiser.from_text(KEY_TEXT).fingerprint
    assert p.fingerprint != Pseudonymiser(secrets.token_bytes(32)).fingerprint
    assert KEY_TEXT[:16] not in p.fingerprint


@given(valid_bsns)
def test_pseudonym_is_deterministic_and_hides_the_bsn(bsn: str) -> None:
    first = Pseudonymiser(KEY).pseudonymise(bsn)
    assert first == Pseudonymiser(bytes(KEY)).pseudonymise(bsn)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert bsn not in first


@given(valid_bsns, valid_bsns)
def test_distinct_bsns_get_distinct_pseudonyms(a: str, b: str) -> None:
    p = Pseudonymiser(KEY)
    assert (p.pseudonymise(a) == p.pseudonymise(b)) == (a == b)


@given(valid_bsns, st.binary(min_size=32, max_size=64).filter(lambda b: len(set(b)) >= 16))
def test_another_key_gives_another_pseudonym(bsn: str, other: bytes) -> None:
    if other == KEY:
        return
    assert Pseudonymiser(KEY).pseudonymise(bsn) != Pseudonymiser(other).pseudonymise(bsn)


def test_pseudonymiser_refuses_invalid_bsn_and_weak_or_text_key() -> None:
    with pytest.raises(BsnInvalid):
        Pseudonymiser(KEY).pseudonymise("123456789")
    with pytest.raises(PseudonymKeyInvalid, match="at least 32"):
        Pseudonymiser(b"short")
    with pytest.raises(PseudonymKeyInvalid, match="bytes"):
        Pseudonymiser(KEY_TEXT)  # type: ignore[arg-type]


def test_pseudonymiser_repr_hides_the_key() -> None:
    assert KEY_TEXT not in repr(Pseudonymiser(KEY))
