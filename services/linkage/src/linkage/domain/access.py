"""Who is calling linkage: the operator (everything) or an analyst (aggregates only)."""

from __future__ import annotations

from typing import Literal

from contracts.tokens import same_secret
from linkage.domain.errors import NotAllowed, NotAuthenticated

Caller = Literal["admin", "reader"]


def identify(token: str | None, *, admin_token: str, reader_token: str | None) -> Caller:
    """The caller behind a bearer token; 401 for none or any other."""
    given = token or ""
    # Both comparisons always run: the time taken says nothing about which token matched.
    is_admin = same_secret(given, admin_token)
    is_reader = reader_token is not None and same_secret(given, reader_token)
    if given and is_admin:
        return "admin"
    if given and is_reader:
        return "reader"
    raise NotAuthenticated("the admin token or the read-only analyst token is required")


def require_admin(caller: Caller) -> None:
    if caller != "admin":
        raise NotAllowed(
            "per-person data needs the admin token; the analysts' token reads aggregates only"
        )
