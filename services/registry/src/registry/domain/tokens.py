"""Personal bearer tokens: made with a CSPRNG, kept only as SHA-256, compared in constant time."""

from __future__ import annotations

import secrets

from contracts.tokens import hash_token, same_secret

__all__ = ["TOKEN_BYTES", "hash_token", "new_token", "same_secret"]

TOKEN_BYTES = 32  # 256 bits of entropy


def new_token() -> str:
    """A fresh token (shown once to its owner, never stored)."""
    return secrets.token_urlsafe(TOKEN_BYTES)
