"""Contact states as events on ``registry.contacts.v1``."""

from __future__ import annotations

import uuid

from contracts import Berichtgever, ContactState, Envelope, sequence_text
from contracts.registry import (
    CONTACT_APPROVED,
    CONTACT_REGISTERED,
    CONTACT_UPDATED,
    CONTACT_WITHDRAWN,
    REGISTRY_SOURCE,
)
from registry.domain.contact import Contact

SOURCE = REGISTRY_SOURCE
EVENT_TYPES = {
    "registered": CONTACT_REGISTERED,
    "approved": CONTACT_APPROVED,
    "updated": CONTACT_UPDATED,
    "withdrawn": CONTACT_WITHDRAWN,
}


def contact_state(contact: Contact) -> ContactState:
    """The full state of a contact as published (token only as its hash)."""
    return ContactState(
        contact_id=contact.id,
        status=contact.status,
        role=contact.role,
        municipality_codes=contact.municipality_codes,
        berichtgever=Berichtgever(
            name=contact.berichtgever.name,
            kind=contact.berichtgever.kind,
            software_package=contact.berichtgever.software_package,
        ),
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        token_sha256=contact.token_sha256,
        registered_at=contact.registered_at,
        updated_at=contact.updated_at,
    )


def contact_event(state: ContactState, event_type: str, sequence: int) -> Envelope:
    # The id is fixed by contact and version: a retried publish of one change keeps its id.
    return Envelope(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SOURCE}|{state.contact_id}|{sequence}")),
        source=SOURCE,
        type=event_type,
        time=state.updated_at,
        subject=state.contact_id,
        sequence=sequence_text(sequence),
        data=state.model_dump(mode="json"),
    )
