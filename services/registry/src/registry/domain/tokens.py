"""Personal bearer tokens: made with a CSPRNG, kept only as SHA-256, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits of entropy


def new_token() -> str:
    """A fresh token (shown once to its owner, never stored)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored and published."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets (or of their hashes)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
