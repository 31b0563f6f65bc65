"""Ingest's projection of the registry's contacts (who may deliver for which municipality)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ingest.adapters.tables import ContactProjectionRow


async def upsert_contact(
    session: AsyncSession,
    *,
    contact_id: str,
    status: str,
    role: str,
    token_sha256: str,
    municipality_codes: list[str],
    version: int,
) -> bool:
    """Apply a contact state unless a newer one was applied already; True when applied."""
    row = await session.get(ContactProjectionRow, contact_id)
    if row is not None and row.version >= version:
        return False
    row = row or ContactProjectionRow(
        contact_id=contact_id,
        status=status,
        role=role,
        token_sha256=token_sha256,
        municipality_codes=[],
    )
    row.status, row.role, row.token_sha256 = status, role, token_sha256
    row.municipality_codes = list(municipality_codes)
    row.version = version
    session.add(row)
    return True


async def drop_contact(session: AsyncSession, *, contact_id: str) -> None:
    """Forget an erased contact (its tombstone arrived)."""
    await session.exec(
        delete(ContactProjectionRow).where(col(ContactProjectionRow.contact_id) == contact_id)
    )
