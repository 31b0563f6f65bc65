"""The registry's tables (private to this service)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, String, text
from sqlmodel import Field, SQLModel

_ACTIVE_PRIMARY = "role = 'primary' AND status = 'active'"


class ContactRow(SQLModel, table=True):
    """One contact person with the hash of their token."""

    __tablename__ = "contacts"

    id: str = Field(primary_key=True, max_length=36)
    status: str = Field(max_length=16, index=True)
    role: str = Field(max_length=16)
    berichtgever_name: str = Field(max_length=200)
    berichtgever_kind: str = Field(max_length=16)
    software_package: str | None = Field(default=None, max_length=200)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    token_sha256: str = Field(max_length=64, unique=True, index=True)
    registered_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    version: int = Field(default=1)


class ContactMunicipalityRow(SQLModel, table=True):
    """A contact's municipality, with role and status copied so the database can enforce
    one active primary per municipality even when two approvals race."""

    __tablename__ = "contact_municipalities"
    __table_args__ = (
        Index(
            "uq_one_active_primary_per_municipality",
            "code",
            unique=True,
            sqlite_where=text(_ACTIVE_PRIMARY),
            postgresql_where=text(_ACTIVE_PRIMARY),
        ),
    )

    contact_id: str = Field(
        sa_column=Column(String(36), ForeignKey("contacts.id"), primary_key=True)
    )
    code: str = Field(primary_key=True, max_length=6, index=True)
    role: str = Field(max_length=16)
    status: str = Field(max_length=16)


TABLES = (ContactRow, ContactMunicipalityRow)
