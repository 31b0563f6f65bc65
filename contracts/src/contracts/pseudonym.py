"""The pseudonymiser: the only way a BSN crosses the ingest boundary, and its key's rules."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

from contracts.bsn import validate_bsn
from contracts.errors import ContractError

MIN_KEY_BYTES = 32
MIN_DISTINCT_BYTE_VALUES = 16
HOW_TO_MAKE_A_KEY = (
    'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
    ' (or "secrets.token_hex(32)")'
)
# Fixed label whose HMAC identifies a key without revealing it (SPEC section 11).
_FINGERPRINT_LABEL = b"urn:nld:ketenmonitor:pseudonym-key-fingerprint:v1"
_HEX = re.compile(r"[0-9A-Fa-f]+")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


class PseudonymKeyInvalid(ContractError):
    """A configured pseudonym key is not hex or base64url, or too weak to use."""

    code = "pseudonym_key_invalid"


def decode_pseudonym_key(text: str) -> bytes:
    """The HMAC key written as ``text``: hex when it is only hex digits, else base64url.

    Refuses (``PseudonymKeyInvalid``) a value that decodes to fewer than 32 bytes or to fewer
    than 16 distinct byte values, so a typed-in word or a repeated character is never a key.
    """
    value = text.strip()
    if not value:
        raise PseudonymKeyInvalid(f"the key is empty; {HOW_TO_MAKE_A_KEY}")
    if _HEX.fullmatch(value):
        if len(value) % 2:
            raise PseudonymKeyInvalid(f"an odd number of hex digits; {HOW_TO_MAKE_A_KEY}")
        raw = bytes.fromhex(value)
    elif _BASE64URL.fullmatch(value):
        body = value.rstrip("=")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise PseudonymKeyInvalid(f"not valid base64url; {HOW_TO_MAKE_A_KEY}") from None
    else:
        raise PseudonymKeyInvalid(f"neither hex nor base64url; {HOW_TO_MAKE_A_KEY}")
    check_key_bytes(raw)
    return raw


def check_key_bytes(raw: bytes) -> None:
    """Refuse a key of fewer than 32 bytes or fewer than 16 distinct byte values."""
    if len(raw) < MIN_KEY_BYTES:
        raise PseudonymKeyInvalid(
            f"decodes to {len(raw)} bytes, at least {MIN_KEY_BYTES} are needed; {HOW_TO_MAKE_A_KEY}"
        )
    if len(set(raw)) < MIN_DISTINCT_BYTE_VALUES:
        raise PseudonymKeyInvalid(
            f"has {len(set(raw))} distinct byte values, at least {MIN_DISTINCT_BYTE_VALUES} "
            f"are needed (a random key has about 30); {HOW_TO_MAKE_A_KEY}"
        )


class Pseudonymiser:
    """HMAC-SHA256 of the BSN under a secret key, as 64 lower-case hex characters.

    The same key gives the same pseudonym for the same person in every source, which is what
    lets linkage join them; without the key the pseudonym cannot be turned back into a BSN.
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes):
            raise PseudonymKeyInvalid("the key must be bytes; use Pseudonymiser.from_text")
        check_key_bytes(key)
        self._key = key

    @classmethod
    def from_text(cls, text: str) -> Pseudonymiser:
        """The pseudonymiser of a configured key (hex or base64url, SPEC section 11)."""
        return cls(decode_pseudonym_key(text))

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<secret>)"

    @property
    def fingerprint(self) -> str:
        """Identifies the key (32 hex characters) without revealing it; safe to store and log."""
        return hmac.new(self._key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:32]

    def pseudonymise(self, bsn: str) -> str:
        """Validate ``bsn`` (raises ``BsnInvalid``) and return its pseudonym."""
        validate_bsn(bsn)
        return hmac.digest(self._key, bsn.encode("ascii"), "sha256").hex()
