"""Callers of ingest, from its own projection of the registry's contacts."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.reference import predecessors
from ingest.domain.errors import NotAllowed, NotAuthenticated


@dataclass(frozen=True, slots=True)
class Admin:
    """The operator (KETENMONITOR_ADMIN_TOKEN)."""


@dataclass(frozen=True, slots=True)
class ContactCaller:
    """An active contact with the municipalities it reports for."""

    contact_id: str
    municipality_codes: frozenset[str]

    @property
    def reach(self) -> frozenset[str]:
        """Its municipalities and every municipality that merged into one of them: nobody can
        register for an abolished code, so the successor delivers its remaining quarters (the
        quarter check keeps them to quarters the old code was valid at the end of)."""
        return self.municipality_codes.union(*(predecessors(c) for c in self.municipality_codes))


Caller = Admin | ContactCaller | None


def require_contact_for(caller: Caller, municipality: str) -> ContactCaller:
    """Delivering and releasing: only an active contact of that municipality."""
    if caller is None:
        raise NotAuthenticated("a bearer token is required")
    if not isinstance(caller, ContactCaller) or municipality not in caller.reach:
        raise NotAllowed(f"only an active contact of {municipality} (or its successor) may do this")
    return caller


def require_reader_of(caller: Caller, municipality: str) -> None:
    """Reading a delivery: admin, or an active contact of its municipality."""
    if caller is None:
        raise NotAuthenticated("a bearer token is required")
    if isinstance(caller, ContactCaller) and municipality not in caller.reach:
        raise NotAllowed(
            f"only contacts of {municipality} (or its successor) may read its deliveries"
        )


def readable_municipalities(caller: Caller) -> frozenset[str] | None:
    """None means all (admin)."""
    if caller is None:
        raise NotAuthenticated("a bearer token is required")
    return None if isinstance(caller, Admin) else caller.reach


def require_admin(caller: Caller) -> Admin:
    """Chain-wide figures: only the operator."""
    if caller is None:
        raise NotAuthenticated("a bearer token is required")
    if not isinstance(caller, Admin):
        raise NotAllowed("only the operator's token reads chain-wide figures")
    return caller
