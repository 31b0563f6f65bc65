"""Settings of the ingest service (environment variables, SPEC sections 2 and 11)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator

from contracts import PseudonymKeyInvalid, decode_pseudonym_key
from ketenkit import ServiceSettings
from ketenkit.settings import InsecureSettingsError


class Settings(ServiceSettings):
    """The shared settings plus the pseudonym key and the upload limit."""

    service_name: str = Field(default="ingest")
    http_port: int = Field(default=8002, ge=1, le=65535)
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="Hex or base64url of 32+ random bytes; dev mode makes one under data_dir.",
    )
    pseudonym_rekey: str | None = Field(
        default=None,
        description="The old key's fingerprint, to acknowledge a deliberate change of key.",
    )
    max_upload_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    max_line_length: int = Field(
        default=1024 * 1024,
        ge=1024 * 1024,
        description="The longest line of a delivery file (characters); longer: encoding_invalid.",
    )
    validation_wait_seconds: float = Field(
        default=2.0,
        ge=0,
        description="How long an upload waits for its validation before answering `received`.",
    )
    stalled_validation_seconds: float = Field(
        default=120.0,
        gt=0,
        description="A received delivery without validation progress this long is rejected "
        "(processing_failed): its validation stopped with a restart or crash.",
    )
    retraction_confirm_share: float = Field(
        default=0.10,
        ge=0,
        le=1,
        description="A release retracting 10+ persons and more than this share of the release "
        "in force needs confirm_retractions=true.",
    )
    overdue_refresh_seconds: float = Field(default=300.0, gt=0)
    dry_run_rate_per_minute: int = Field(
        default=30,
        ge=0,
        description="Test deliveries (dry_run=true) per caller and minute; 0 = unlimited.",
    )

    @model_validator(mode="after")
    def _pseudonym_key_rules(self) -> Self:
        if self.pseudonym_key is None:
            if self.env == "production":
                raise InsecureSettingsError(
                    "KETENMONITOR_PSEUDONYM_KEY is required when KETENMONITOR_ENV=production; "
                    'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
                )
            return self
        try:
            decode_pseudonym_key(self.pseudonym_key.get_secret_value())
        except PseudonymKeyInvalid as exc:
            raise InsecureSettingsError(f"KETENMONITOR_PSEUDONYM_KEY {exc.detail}") from None
        return self
