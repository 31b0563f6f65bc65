"""Masking of anything that may be a BSN in free text, logs and dead letters (SPEC section 11).

Two layers. Fields known to be personal are masked by name after parsing (:data:`PERSONAL_FIELDS`).
As a backstop over every text, any number of 8 to 10 digits standing alone (a BSN with or without
its leading zero, or padded to ten), also when written in groups separated by single spaces, dots
or dashes, becomes ``*****`` + its last four digits. ISO dates and timestamps, UUIDs and 64-hex
strings (pseudonyms, hashes) are recognised as wholes first and left alone.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from contracts.bsn import mask_bsn

#: Fields whose values are personal wherever they appear (feeds, rows, dead letters).
PERSONAL_FIELDS: Final = frozenset({"bsn", "v_nummer", "toelichting"})
#: Personal free text: masked whole, nothing of it kept.
FREE_TEXT_FIELDS: Final = frozenset({"toelichting"})
MASK: Final = "*****"

_WORD = r"0-9A-Za-z"
_PROTECTED = (
    # UUIDs and 64-hex strings: ids and pseudonyms, never a BSN.
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}",
    r"[0-9A-Fa-f]{64}",
    # ISO dates, optionally with a time and an offset.
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
)
_TOKENS = re.compile(
    rf"(?<![{_WORD}])(?:(?P<kept>{'|'.join(_PROTECTED)})|(?P<number>\d(?:[ .-]?\d)*))(?![{_WORD}])"
)
_SEPARATOR = re.compile(r"[ .-]")
_ESCAPED_DIGIT = re.compile(r"\\u003([0-9])", re.IGNORECASE)


def _digits_hide_a_bsn(run: str) -> bool:
    groups = [g for g in _SEPARATOR.split(run) if g]
    total = sum(len(g) for g in groups)
    if 8 <= total <= 10:
        return True
    if total <= 10:
        return False
    # A longer run of groups ("12 123 456 782"): any stretch of whole groups of 8 to 10 digits.
    for start in range(len(groups)):
        length = 0
        for group in groups[start:]:
            length += len(group)
            if 8 <= length <= 10:
                return True
            if length > 10:
                break
    return False


def _mask_match(match: re.Match[str]) -> str:
    run = match.group("number")
    if run is None or not _digits_hide_a_bsn(run):
        return match.group(0)
    digits = "".join(ch for ch in run if ch.isdigit())
    return MASK + digits[-4:]


def mask_text(text: str) -> str:
    """Mask every number that may be a BSN in ``text`` (the backstop; see the module's rule)."""
    if not any(ch.isdigit() for ch in text):
        return text
    return _TOKENS.sub(_mask_match, _ESCAPED_DIGIT.sub(r"\1", text))


def mask_bytes(value: bytes) -> bytes:
    """:func:`mask_text` over bytes that may not be UTF-8 (undecodable bytes become U+FFFD)."""
    text = value.decode("utf-8", "replace")
    masked = mask_text(text)
    return value if masked == text else masked.encode("utf-8")


def mask_json_value(value: Any) -> Any:
    """A parsed JSON value with personal fields masked by name and every string by the backstop."""
    if isinstance(value, dict):
        return {key: _mask_field(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_json_value(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and 8 <= len(str(abs(value))) <= 10:
        return MASK + str(abs(value))[-4:]
    return value


def _mask_field(key: str, value: Any) -> Any:
    if key not in PERSONAL_FIELDS or value is None:
        return mask_json_value(value)
    return MASK if key in FREE_TEXT_FIELDS else mask_bsn(value)


def mask_payload(value: bytes) -> bytes:
    """A message value with BSNs masked: by field name when it is JSON, by the backstop always.

    The bytes are returned unchanged when nothing needed masking, so a clean dead letter can be
    replayed as it was.
    """
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return mask_bytes(value)
    masked = mask_json_value(parsed)
    if masked == parsed:
        return mask_bytes(value)  # e.g. a BSN only visible through an escape the parser read
    return json.dumps(masked, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
