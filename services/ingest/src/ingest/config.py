"""Settings of the ingest service (environment variables, SPEC section 2)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator

from ketenkit import ServiceSettings

#: Dev mode's pseudonym key: stable across restarts so pseudonyms join, refused in production.
DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key-never-use-in-production"


class Settings(ServiceSettings):
    """The shared settings plus the pseudonym key and the upload limit."""

    service_name: str = Field(default="ingest")
    http_port: int = Field(default=8002, ge=1, le=65535)
    pseudonym_key: SecretStr = Field(default=SecretStr(DEV_PSEUDONYM_KEY))
    max_upload_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    overdue_refresh_seconds: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _pseudonym_key_is_secret_in_production(self) -> Self:
        if self.env == "production":
            if self.pseudonym_key.get_secret_value() == DEV_PSEUDONYM_KEY:
                self.require_secret("pseudonym_key", None)
            self.require_secret("pseudonym_key", self.pseudonym_key)
        return self
