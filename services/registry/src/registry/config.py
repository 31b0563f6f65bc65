"""Settings of the registry service (environment variables, SPEC sections 2 and 11)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from ketenkit import ServiceSettings

#: Anonymous registrations per client address and minute in production unless configured.
PRODUCTION_REGISTRATION_RATE = 10


class Settings(ServiceSettings):
    """The shared settings with this service's name, port and registration rate limit."""

    service_name: str = Field(default="registry")
    http_port: int = Field(default=8001, ge=1, le=65535)
    metrics_refresh_seconds: float = Field(
        default=60.0, gt=0, description="How often the gauges check whether the day changed."
    )
    registration_rate_per_minute: int | None = Field(
        default=None,
        ge=0,
        description="Anonymous registrations per client address and minute; 0 = unlimited "
        f"(dev default), {PRODUCTION_REGISTRATION_RATE} in production unless set.",
    )

    @model_validator(mode="after")
    def _rate_default_by_mode(self) -> Self:
        if self.registration_rate_per_minute is None:
            rate = PRODUCTION_REGISTRATION_RATE if self.env == "production" else 0
            object.__setattr__(self, "registration_rate_per_minute", rate)
        return self
