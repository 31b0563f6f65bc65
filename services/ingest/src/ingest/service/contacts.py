"""Use case of the registry's topic: keep ingest's projection of contacts up to date."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import ValidationError

from contracts import ContactState, sequence_number
from contracts.deadletter import SOURCE_MISMATCH
from contracts.topics import REGISTRY_CONTACTS
from ingest.adapters.contacts import drop_contact, upsert_contact
from ketenkit import Database, DeadLetterPolicy, Rejected, claim_new
from ketenkit.incoming import Incoming

logger = logging.getLogger(__name__)
CONSUMER = "ingest.contacts"


async def apply_contact_states(
    db: Database, policy: DeadLetterPolicy, batch: Sequence[Incoming]
) -> None:
    """Apply each new contact state in one transaction; a newer state is never overwritten."""
    assert REGISTRY_CONTACTS.source is not None
    broken: list[Rejected] = []
    readable: list[Incoming] = []
    erased: list[str] = []
    for i in batch:
        if i.record.value is None and i.record.key is not None:  # a tombstone: erased
            erased.append(i.record.key.decode("utf-8", "replace"))
        elif mismatch := i.source_mismatch(REGISTRY_CONTACTS.source):
            # A forged contact would grant access.
            broken.append(Rejected(i.record, SOURCE_MISMATCH, mismatch))
        elif i.error is not None:
            broken.append(Rejected(i.record, i.error.code, i.error.detail))
        elif i.envelope is not None and i.envelope.data is not None:
            readable.append(i)
    async with db.transaction() as session:
        fresh = await claim_new(
            session,
            consumer=CONSUMER,
            events=[(i.envelope.source, i.envelope.id) for i in readable if i.envelope],
        )
        for incoming, new in zip(readable, fresh, strict=True):
            assert incoming.envelope is not None
            if not new:
                continue
            try:
                state = ContactState.model_validate(incoming.envelope.data)
                version = sequence_number(incoming.envelope.sequence)
            except (ValidationError, ValueError) as exc:
                broken.append(Rejected(incoming.record, "field_invalid", str(exc).splitlines()[0]))
                continue
            await upsert_contact(
                session,
                contact_id=state.contact_id,
                status=state.status,
                role=state.role,
                token_sha256=state.token_sha256,
                municipality_codes=list(state.municipality_codes),
                version=version,
            )
        for contact_id in erased:
            await drop_contact(session, contact_id=contact_id)
    await policy.send(broken)
