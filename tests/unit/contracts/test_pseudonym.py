import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import BsnInvalid, ContractError, Pseudonymiser

from .test_bsn import valid_bsns

KEY = "test-key-of-sufficient-length"


def test_pseudonym_is_hmac_sha256_lower_hex() -> None:
    import hashlib
    import hmac

    expected = hmac.new(KEY.encode(), b"111222333", hashlib.sha256).hexdigest()
    assert Pseudonymiser(KEY).pseudonymise("111222333") == expected


@given(valid_bsns)
def test_pseudonym_is_deterministic_and_hides_the_bsn(bsn: str) -> None:
    first = Pseudonymiser(KEY).pseudonymise(bsn)
    assert first == Pseudonymiser(KEY.encode()).pseudonymise(bsn)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert bsn not in first


@given(valid_bsns, valid_bsns)
def test_distinct_bsns_get_distinct_pseudonyms(a: str, b: str) -> None:
    p = Pseudonymiser(KEY)
    assert (p.pseudonymise(a) == p.pseudonymise(b)) == (a == b)


@given(valid_bsns, st.text(min_size=16, max_size=40))
def test_another_key_gives_another_pseudonym(bsn: str, other: str) -> None:
    if other.encode() == KEY.encode():
        return
    assert Pseudonymiser(KEY).pseudonymise(bsn) != Pseudonymiser(other).pseudonymise(bsn)


def test_pseudonymiser_refuses_invalid_bsn_and_short_key() -> None:
    with pytest.raises(BsnInvalid):
        Pseudonymiser(KEY).pseudonymise("123456789")
    with pytest.raises(ContractError, match="at least 16 bytes"):
        Pseudonymiser("short")


def test_pseudonymiser_repr_hides_the_key() -> None:
    assert KEY not in repr(Pseudonymiser(KEY))
