"""Who is calling, and what each kind of caller may do."""

from __future__ import annotations

from dataclasses import dataclass

from registry.domain.contact import Contact
from registry.domain.errors import NotAllowed, NotAuthenticated


@dataclass(frozen=True, slots=True)
class Anonymous:
    """No token: may only register."""


@dataclass(frozen=True, slots=True)
class Admin:
    """The VNG/CBS operator (KETENMONITOR_ADMIN_TOKEN)."""


@dataclass(frozen=True, slots=True)
class ContactCaller:
    """An active contact, identified by their personal token."""

    contact: Contact


Caller = Anonymous | Admin | ContactCaller


def require_admin(caller: Caller) -> None:
    if isinstance(caller, Anonymous):
        raise NotAuthenticated("a bearer token is required")
    if not isinstance(caller, Admin):
        raise NotAllowed("only an administrator may do this")


def require_admin_or_self(caller: Caller, contact_id: str) -> None:
    if isinstance(caller, Anonymous):
        raise NotAuthenticated("a bearer token is required")
    if isinstance(caller, ContactCaller) and caller.contact.id != contact_id:
        raise NotAllowed("a contact may only change itself")


def require_reader_of(caller: Caller, municipality_codes: tuple[str, ...]) -> None:
    """Admin, or an active contact registered for one of these municipalities."""
    if isinstance(caller, Anonymous):
        raise NotAuthenticated("a bearer token is required")
    if isinstance(caller, ContactCaller) and not set(caller.contact.municipality_codes) & set(
        municipality_codes
    ):
        raise NotAllowed("a contact may only read contacts of its own municipalities")
