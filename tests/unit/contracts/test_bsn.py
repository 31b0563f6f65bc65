import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import BsnInvalid, is_valid_bsn, mask_bsn, validate_bsn

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


def complete(first_eight: str) -> str | None:
    """The valid BSN that starts with these eight digits, if any."""
    total = sum(int(d) * w for d, w in zip(first_eight, WEIGHTS, strict=True))
    check = total % 11  # the last digit weighs -1, so it must cancel the remainder
    if check > 9 or total - check <= 0:
        return None
    return first_eight + str(check)


valid_bsns = st.text("0123456789", min_size=8, max_size=8).map(complete).filter(bool)


def test_validate_bsn_accepts_known_valid_number() -> None:
    assert validate_bsn("111222333") == "111222333"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("111222334", "elfproef"),
        ("12345678", "9 digits"),
        ("1234567890", "9 digits"),
        ("11122233a", "digits only"),
        ("000000000", "elfproef"),
        ("\uff11" * 9, "digits only"),
    ],
)
def test_validate_bsn_names_the_failed_check(value: str, reason: str) -> None:
    with pytest.raises(BsnInvalid, match=reason) as info:
        validate_bsn(value)
    assert info.value.code == "bsn_invalid"
    assert value not in str(info.value)


@given(valid_bsns)
def test_elfproef_holds_for_constructed_numbers(bsn: str) -> None:
    assert validate_bsn(bsn) == bsn


@given(valid_bsns, st.integers(0, 8), st.integers(1, 9))
def test_elfproef_detects_every_single_digit_change(bsn: str, position: int, delta: int) -> None:
    digit = (int(bsn[position]) + delta) % 10
    changed = bsn[:position] + str(digit) + bsn[position + 1 :]
    assert not is_valid_bsn(changed)


def test_mask_bsn_keeps_only_last_four_digits() -> None:
    assert mask_bsn("111222333") == "*****2333"
    assert mask_bsn("12") == "*****"
    assert mask_bsn(None) == "*****"


@given(st.text("0123456789", min_size=9, max_size=9))
def test_the_fast_elfproef_agrees_with_the_definition(digits: str) -> None:
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    assert is_valid_bsn(digits) == (total > 0 and total % 11 == 0)
