"""The Dutch citizen service number (BSN): the eleven-test and masking."""

from __future__ import annotations

from contracts.errors import BsnInvalid

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def validate_bsn(value: str) -> str:
    """Return ``value`` when it is a valid BSN, else raise :class:`BsnInvalid` saying why.

    A BSN has nine digits whose weighted sum (9, 8, …, 2, -1) is a positive multiple of 11.
    """
    if not isinstance(value, str):
        raise BsnInvalid(f"expected a string of nine digits, got {type(value).__name__}")
    if len(value) != 9:
        raise BsnInvalid(f"must have 9 digits, has {len(value)} characters")
    if not value.isascii() or not value.isdigit():
        raise BsnInvalid("must contain digits only")
    total = sum(int(digit) * weight for digit, weight in zip(value, _WEIGHTS, strict=True))
    if total <= 0 or total % 11:
        raise BsnInvalid("fails the eleven-test (elfproef)")
    return value


def is_valid_bsn(value: str) -> bool:
    """True when ``value`` passes :func:`validate_bsn`."""
    try:
        validate_bsn(value)
    except BsnInvalid:
        return False
    return True


def mask_bsn(value: object) -> str:
    """Mask anything that may hold a BSN as ``*****`` + its last four characters."""
    text = str(value) if value is not None else ""
    return "*****" + text[-4:] if len(text) > 4 else "*****"
