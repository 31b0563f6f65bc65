"""Settings of the linkage service (environment variables, SPEC section 2)."""

from __future__ import annotations

from pydantic import Field

from ketenkit import ServiceSettings


class Settings(ServiceSettings):
    """The shared settings with linkage's name, port and pending-grace period."""

    service_name: str = Field(default="linkage")
    http_port: int = Field(default=8003, ge=1, le=65535)
    # Linkage pays per batch (one transaction, a few statements): larger batches are ~10% faster
    # on a backlog; at low rates batches stay small, so latency does not change.
    consumer_max_records: int = Field(default=1000, ge=1)
    # Linkage reads 24 partitions: 1 MiB ahead on each was a third of its memory in the national
    # year (358 MB peak; 321 MB with 256 KiB, as fast).
    consumer_max_partition_fetch_bytes: int = Field(default=262_144, ge=65_536)
    pending_grace_days: int = Field(
        default=90, ge=0, description="Pending longer than this counts as incomplete."
    )
    pending_refresh_seconds: float = Field(default=15.0, gt=0)
    rebuild: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9-]{1,40}$",
        description="A rebuild from the log (ketenmonitor rebuild linkage): its own consumer "
        "group linkage.records.<rebuild>, an empty store, and nothing published.",
    )
    deadline_sweep_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="How often records whose PIP deadline passed without a PIP get their "
        "new version (pip_tijdig false); also once at start.",
    )
