"""A contact person and the rules of their life cycle: pending -> active -> withdrawn."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from registry.domain.errors import InvalidTransition, NotWithdrawn

Role = Literal["primary", "backup"]
Status = Literal["pending", "active", "withdrawn"]
Kind = Literal["gemeente", "organisatie"]


@dataclass(frozen=True, slots=True)
class Berichtgever:
    """The organisation that reports: the municipality itself or one acting for it."""

    name: str
    kind: Kind
    software_package: str | None = None


@dataclass(slots=True)
class Contact:
    """One registered contact; ``version`` counts its changes (the event sequence)."""

    id: str
    municipality_codes: tuple[str, ...]
    berichtgever: Berichtgever
    name: str
    email: str
    phone: str | None
    role: Role
    token_sha256: str
    registered_at: datetime
    updated_at: datetime
    status: Status = "pending"
    version: int = 1
    changes: list[str] = field(default_factory=list, compare=False, repr=False)

    def approve(self, now: datetime) -> bool:
        """Pending -> active. True when something changed (approving twice changes nothing)."""
        if self.status == "active":
            return False
        if self.status == "withdrawn":
            raise InvalidTransition("a withdrawn contact cannot be approved; register again")
        self._changed("approved", now)
        self.status = "active"
        return True

    def withdraw(self, now: datetime) -> bool:
        """Any state -> withdrawn; the token stops working. True when something changed."""
        if self.status == "withdrawn":
            return False
        self._changed("withdrawn", now)
        self.status = "withdrawn"
        return True

    def update(
        self,
        now: datetime,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        clear_phone: bool = False,
        role: Role | None = None,
    ) -> bool:
        """Change personal details or role. True when something changed."""
        if self.status == "withdrawn":
            raise InvalidTransition("a withdrawn contact cannot be changed")
        before = (self.name, self.email, self.phone, self.role)
        self.name = name if name is not None else self.name
        self.email = email.lower() if email is not None else self.email
        self.phone = None if clear_phone else (phone if phone is not None else self.phone)
        self.role = role if role is not None else self.role
        if (self.name, self.email, self.phone, self.role) == before:
            return False
        self._changed("updated", now)
        return True

    def replace_token(self, now: datetime, token_sha256: str) -> None:
        """A new token for a pending or active contact; the old one stops working."""
        if self.status == "withdrawn":
            raise InvalidTransition("a withdrawn contact gets no new token; register again")
        self.token_sha256 = token_sha256
        self._changed("updated", now)

    def erase(self) -> None:
        """Forget the personal data of a withdrawn contact; only ids and status remain."""
        if self.status != "withdrawn":
            raise NotWithdrawn("only a withdrawn contact can be erased; withdraw it first")
        self.changes.append("erased")

    @property
    def can_act(self) -> bool:
        """Only an active contact's token is accepted anywhere."""
        return self.status == "active"

    @property
    def is_active_primary(self) -> bool:
        return self.status == "active" and self.role == "primary"

    def _changed(self, what: str, now: datetime) -> None:
        self.version += 1
        self.updated_at = now
        self.changes.append(what)

    def copy(self) -> Contact:
        return replace(self, changes=[])
