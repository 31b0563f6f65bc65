"""Settings of the ingest service (environment variables, SPEC section 2)."""

from __future__ import annotations

from pydantic import Field

from ketenkit import ServiceSettings


class Settings(ServiceSettings):
    """The shared settings with this service's name and port."""

    service_name: str = Field(default="ingest")
    http_port: int = Field(default=8002, ge=1, le=65535)
