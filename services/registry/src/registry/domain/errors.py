"""What can go wrong in the register, in its own words (mapped to HTTP by the entrypoints)."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of the register's rule violations."""


class ContactNotFound(RegistryError):
    """No contact with that id."""


class InvalidTransition(RegistryError):
    """The contact's status does not allow this change."""


class NotWithdrawn(RegistryError):
    """Only a withdrawn contact's personal data may be erased."""


class PrimaryConflict(RegistryError):
    """A municipality would get a second active primary contact."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(f"already has an active primary contact: {', '.join(codes)}")
        self.codes = codes


class NotAllowed(RegistryError):
    """The caller is known but may not do this (HTTP 403)."""


class NotAuthenticated(RegistryError):
    """Missing, unknown, pending or withdrawn token (HTTP 401)."""
