"""Settings of the portal (environment variables, SPEC sections 2 and 11)."""

from __future__ import annotations

import secrets
from typing import Self

from pydantic import Field, SecretStr, model_validator

from ketenkit import WebSettings


class Settings(WebSettings):
    """Where the other services are, and how long a visitor's session lasts."""

    service_name: str = Field(default="portal")
    http_port: int = Field(default=8000, ge=1, le=65535)
    registry_url: str = Field(default="http://127.0.0.1:8001")
    ingest_url: str = Field(default="http://127.0.0.1:8002")
    linkage_url: str = Field(default="http://127.0.0.1:8003")
    portal_secret: SecretStr | None = Field(
        default=None,
        description="Signs the forms' CSRF tokens; the same on every instance (made up in dev).",
    )
    session_idle_minutes: float = Field(
        default=30.0, gt=0, description="A session ends after this long without a page."
    )
    session_max_hours: float = Field(
        default=8.0, gt=0, description="... and this long after the login in any case."
    )
    upload_max_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="The largest file the portal passes on."
    )
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    report_rows_shown: int = Field(
        default=500, ge=1, description="Report rows on the Controleren page (the CSV has all)."
    )

    @model_validator(mode="after")
    def _secret_by_mode(self) -> Self:
        if self.env == "production":
            self.require_secret("portal_secret", self.portal_secret)
        elif self.portal_secret is None:
            object.__setattr__(self, "portal_secret", SecretStr(secrets.token_urlsafe(32)))
        return self

    @property
    def secure_cookies(self) -> bool:
        """Secure (and the __Host- prefix) outside dev, where the portal is served over HTTPS."""
        return self.env == "production"
