"""Who is calling: the operator, an active contact (from the projection of
registry.contacts.v1), or nobody."""

from __future__ import annotations

from contracts.tokens import hash_token, same_secret
from ingest.domain.access import Admin, Caller, ContactCaller
from ingest.domain.errors import NotAuthenticated
from ingest.service.unit_of_work import DeliveryStore


async def identify(store: DeliveryStore, *, admin_token: str, token: str | None) -> Caller:
    if token is None:
        return None
    if same_secret(token, admin_token):
        return Admin()
    digest = hash_token(token)
    async with store.reading() as repo:
        contact = await repo.contact_by_token_hash(digest)
    if (
        contact is None
        or contact.status != "active"
        or not same_secret(contact.token_sha256, digest)
    ):
        raise NotAuthenticated("unknown, pending or withdrawn token")
    return ContactCaller(contact.contact_id, frozenset(contact.municipality_codes))
