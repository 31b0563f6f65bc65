"""Who is signed in to the portal, and what each kind of visitor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Role = Literal["admin", "reader", "contact"]

#: The pages' names for the roles, in Dutch.
ROLE_NAMES: dict[Role, str] = {
    "admin": "beheerder",
    "reader": "analist (alleen lezen)",
    "contact": "contactpersoon inburgering",
}


@dataclass(frozen=True, slots=True)
class Identity:
    """What a token turned out to be: the admin, the analysts' reader, or an active contact."""

    role: Role
    contact_id: str | None = None
    name: str | None = None
    municipality_codes: tuple[str, ...] = ()

    @property
    def may_deliver(self) -> bool:
        return self.role == "contact"

    @property
    def may_administer(self) -> bool:
        return self.role == "admin"

    @property
    def may_read_monitor(self) -> bool:
        return self.role in ("admin", "reader")

    @property
    def home(self) -> str:
        """The first page after signing in."""
        return {"contact": "/gemeenten", "admin": "/beheer", "reader": "/monitor"}[self.role]


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in visitor: the token stays here, on the server, never in the browser."""

    token: str
    identity: Identity
    started_at: datetime
    seen_at: datetime

    def expired(self, now: datetime, *, idle: timedelta, longest: timedelta) -> bool:
        return now - self.seen_at > idle or now - self.started_at > longest
