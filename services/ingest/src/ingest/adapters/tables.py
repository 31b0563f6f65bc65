"""Ingest's tables (private to this service). No table holds a BSN."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class ContactProjectionRow(SQLModel, table=True):
    """Ingest's own view of ``registry.contacts.v1``: who may deliver for which municipality."""

    __tablename__ = "contact_projection"

    contact_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=16)
    role: str = Field(max_length=16)
    token_sha256: str = Field(max_length=64, index=True)
    municipality_codes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    version: int = Field(default=0, description="ce_sequence of the state applied last")


class DeliveryRow(SQLModel, table=True):
    """One upload of a municipality's quarter and where it is in its life."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # The key is the client's, scoped to one municipality's quarter (SPEC section 11).
        UniqueConstraint(
            "municipality", "quarter", "idempotency_key", name="uq_delivery_idempotency_quarter"
        ),
        # Two releases of one quarter racing each other cannot both get the same sequence.
        UniqueConstraint("municipality", "quarter", "release_sequence", name="uq_release_sequence"),
    )

    id: str = Field(primary_key=True, max_length=36)
    municipality: str = Field(max_length=6, index=True)
    quarter: str = Field(max_length=7, index=True)
    status: str = Field(max_length=16, index=True)
    nil_return: bool = Field(default=False)
    contact_id: str = Field(max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=200)
    content_type: str | None = Field(default=None, max_length=100)
    body_sha256: str | None = Field(default=None, max_length=64, description="Of the upload.")
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    errors: int = 0
    warnings: int = 0
    release_sequence: int | None = None
    superseded_by: str | None = Field(default=None, max_length=36)
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    released_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    released_by: str | None = Field(default=None, max_length=64, description="Contact id.")
    progress_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True)),
        description="The validation's last committed batch (a stalled one is rejected).",
    )
    traceparent: str | None = Field(
        default=None,
        max_length=55,
        description="The upload's trace: validation and release continue it (OpenTelemetry).",
    )


class DeliveryErrorRow(SQLModel, table=True):
    """One error or warning of a delivery (row 0: the file); messages mask BSNs."""

    __tablename__ = "delivery_errors"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(max_length=36, index=True)
    row: int
    field: str = Field(max_length=100)
    code: str = Field(max_length=40)
    message: str = Field(max_length=300)
    severity: str = Field(default="error", max_length=8)


class DeliveryRecordRow(SQLModel, table=True):
    """A valid row of a delivery, pseudonymised, kept until it is released (and for supersede)."""

    __tablename__ = "delivery_records"

    delivery_id: str = Field(primary_key=True, max_length=36)
    row: int = Field(primary_key=True)
    pseudonym: str = Field(max_length=64, index=True)
    data: dict[str, str | None] = Field(sa_column=Column(JSON, nullable=False))


class KeyFingerprintRow(SQLModel, table=True):
    """The fingerprint of the pseudonym key ingest's data was made with (one row, never the key)."""

    __tablename__ = "pseudonym_key_fingerprint"

    id: int = Field(default=1, primary_key=True)
    fingerprint: str = Field(max_length=64)


TABLES = (
    ContactProjectionRow,
    DeliveryRow,
    DeliveryErrorRow,
    DeliveryRecordRow,
    KeyFingerprintRow,
)
