"""Bearer tokens between the services: the registry publishes a contact's token only as its
SHA-256 (``ContactState.token_sha256``), and every service compares secrets in constant time."""

from __future__ import annotations

import hashlib
import hmac


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored and published."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets (or of their hashes)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
