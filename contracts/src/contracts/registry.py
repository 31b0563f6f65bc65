"""Events of the contact-person register (topic ``registry.contacts.v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field

from contracts.base import Contract, Gemeentecode

REGISTRY_SOURCE = "urn:nld:ketenmonitor:registry"
CONTACT_REGISTERED = "nl.ketenmonitor.contact.registered"
CONTACT_APPROVED = "nl.ketenmonitor.contact.approved"
CONTACT_UPDATED = "nl.ketenmonitor.contact.updated"
CONTACT_WITHDRAWN = "nl.ketenmonitor.contact.withdrawn"
CONTACT_EVENT_TYPES = (CONTACT_REGISTERED, CONTACT_APPROVED, CONTACT_UPDATED, CONTACT_WITHDRAWN)

ContactRole = Literal["primary", "backup"]
ContactStatus = Literal["pending", "active", "withdrawn"]
BerichtgeverKind = Literal["gemeente", "organisatie"]


class Berichtgever(Contract):
    """The reporting organisation: the municipality itself or one acting for it."""

    name: str = Field(
        min_length=1,
        max_length=200,
        description="Organisation name.",
        examples=["Gemeente Utrecht"],
    )
    kind: BerichtgeverKind = Field(
        description="Municipality or other organisation.", examples=["gemeente"]
    )
    software_package: str | None = Field(
        default=None,
        max_length=200,
        description="Software the data is exported from.",
        examples=["Suite4Sociaal Domein"],
    )


class ContactState(Contract):
    """The full state of one contact person after a change; the topic is compacted on its id."""

    contact_id: str = Field(
        description="Registry id of the contact.", examples=["5f0e3c1a-9d1b-4c55-8f5e-0a2b7c9d1e33"]
    )
    status: ContactStatus = Field(
        description="Only `active` contacts may act.", examples=["active"]
    )
    role: ContactRole = Field(
        description="At most one active primary per municipality.", examples=["primary"]
    )
    municipality_codes: tuple[Gemeentecode, ...] = Field(
        min_length=1, description="Municipalities this contact reports for.", examples=[["GM0344"]]
    )
    berichtgever: Berichtgever = Field(description="The reporting organisation.")
    name: str = Field(
        min_length=1, max_length=200, description="Contact person's name.", examples=["A. de Vries"]
    )
    email: EmailStr = Field(
        description="Lower-cased e-mail address.", examples=["a.devries@utrecht.nl"]
    )
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="Optional phone number.",
        examples=["+31 30 286 0000"],
    )
    token_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the personal bearer token (never the token).",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    )
    registered_at: datetime = Field(description="When the registration was received.")
    updated_at: datetime = Field(description="When this state was reached.")
