"""The pseudonymiser: the only way a BSN crosses the ingest boundary."""

from __future__ import annotations

import hashlib
import hmac

from contracts.bsn import validate_bsn
from contracts.errors import ContractError

MIN_KEY_BYTES = 16


class Pseudonymiser:
    """HMAC-SHA256 of the BSN under a secret key, as 64 lower-case hex characters.

    The same key gives the same pseudonym for the same person in every source, which is what
    lets linkage join them; without the key the pseudonym cannot be turned back into a BSN.
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes | str) -> None:
        raw = key.encode() if isinstance(key, str) else key
        if len(raw) < MIN_KEY_BYTES:
            raise ContractError(f"pseudonym key must have at least {MIN_KEY_BYTES} bytes")
        self._key = raw

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<secret>)"

    def pseudonymise(self, bsn: str) -> str:
        """Validate ``bsn`` (raises ``BsnInvalid``) and return its pseudonym."""
        validate_bsn(bsn)
        return hmac.new(self._key, bsn.encode("ascii"), hashlib.sha256).hexdigest()
