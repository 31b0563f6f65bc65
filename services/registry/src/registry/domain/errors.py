"""What the register refuses, in its own words; each refusal carries its HTTP status and stable
code, and the kit answers it as problem+json."""

from __future__ import annotations

from contracts.problems import FieldError, NotAllowed, NotAuthenticated, Refusal

__all__ = [
    "ContactNotFound",
    "InvalidTransition",
    "NotAllowed",
    "NotAuthenticated",
    "NotWithdrawn",
    "PrimaryConflict",
    "RegistryError",
]


class RegistryError(Refusal):
    """Base of the register's rule violations."""

    title = "Registry error"


class ContactNotFound(RegistryError):
    """No contact with that id."""

    status = 404
    code = "contact_not_found"
    title = "Contact not found"

    def __init__(self, contact_id: str = "") -> None:
        # The id is not repeated: the caller sent it, and it may be a probe.
        super().__init__()
        self.contact_id = contact_id


class InvalidTransition(RegistryError):
    """The contact's status does not allow this change."""

    status = 409
    code = "invalid_transition"
    title = "Not possible in this status"


class NotWithdrawn(RegistryError):
    """Only a withdrawn contact's personal data may be erased."""

    status = 409
    code = "contact_not_withdrawn"
    title = "Contact is not withdrawn"


class PrimaryConflict(RegistryError):
    """A municipality would get a second active primary contact."""

    status = 409
    code = "primary_exists"
    title = "Municipality already has an active primary contact"

    def __init__(self, codes: list[str]) -> None:
        super().__init__(
            f"already has an active primary contact: {', '.join(codes)}",
            errors=[
                FieldError(
                    loc=["municipality_codes", code],
                    code="primary_exists",
                    msg=f"{code} already has an active primary contact",
                )
                for code in codes
            ],
        )
        self.codes = codes
