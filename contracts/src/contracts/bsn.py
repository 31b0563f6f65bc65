"""The Dutch citizen service number (BSN): the eleven-test and masking."""

from __future__ import annotations

from contracts.errors import BsnInvalid

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)  # the eleven-test's weights, written out below


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
    d = value.encode()  # ASCII digits: code point - 48 is the digit (no per-digit int() call)
    total = (
        9 * d[0]
        + 8 * d[1]
        + 7 * d[2]
        + 6 * d[3]
        + 5 * d[4]
        + 4 * d[5]
        + 3 * d[6]
        + 2 * d[7]
        - d[8]
        - 43 * 48  # the weights sum to 43: remove the code points' offset at once
    )
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
