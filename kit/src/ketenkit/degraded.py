"""When a service works but not well: a stalled outbox, a consumer far or long behind.

Such a service stays ready (HTTP 200: it can still do its work, and restarting it would not
help), but ``/health/ready`` says ``"status": "degraded"`` with the reasons, and
``ketenmonitor_degraded{reason}`` is 1 while a reason applies, for alerts and dashboards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Gauge

from ketenkit.db import Database
from ketenkit.lag import ConsumerLagMonitor
from ketenkit.outbox import outbox_figures

REASONS = ("outbox_stalled", "consumer_lag")


@dataclass
class Limits:
    outbox_seconds: float = 300.0
    lag_messages: int = 100_000
    lag_seconds: float = 300.0


@dataclass
class Degradation:
    """The outbox gauges of one service, and the degradation reasons of it and its lag."""

    service: str
    db: Database
    lag: ConsumerLagMonitor
    registry: CollectorRegistry
    limits: Limits = field(default_factory=Limits)
    reasons: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pending = Gauge(
            f"{self.service}_outbox_pending",
            "Events committed to the outbox and not yet acknowledged by Kafka.",
            registry=self.registry,
        )
        self.oldest = Gauge(
            f"{self.service}_outbox_oldest_age_seconds",
            "Age of the oldest event waiting in the outbox (0 when it is empty).",
            registry=self.registry,
        )
        self.flag = Gauge(
            "ketenmonitor_degraded",
            "1 while the service works but a reason degrades it (see /health/ready).",
            ["reason"],
            registry=self.registry,
        )
        for reason in REASONS:
            self.flag.labels(reason).set(0)

    async def refresh(self) -> None:
        """Sample the lag and the outbox, then judge both (run periodically)."""
        await self.lag.sample()
        async with self.db.sessions() as session:
            count, oldest = await outbox_figures(session)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        self.pending.set(count)
        self.oldest.set(max(0.0, age))
        found: dict[str, str] = {}
        if age > self.limits.outbox_seconds:
            found["outbox_stalled"] = (
                f"{count} event(s) wait in the outbox, the oldest for {age:.0f} s "
                f"(limit {self.limits.outbox_seconds:.0f} s); see the log for the cause"
            )
        lag = self.lag
        if (
            lag.worst_messages > self.limits.lag_messages
            or lag.worst_seconds > self.limits.lag_seconds
        ):
            found["consumer_lag"] = (
                f"a partition is {lag.worst_messages} message(s) behind and has not moved for "
                f"{lag.worst_seconds:.0f} s (limits {self.limits.lag_messages} messages, "
                f"{self.limits.lag_seconds:.0f} s)"
            )
        self.reasons = found
        for reason in REASONS:
            self.flag.labels(reason).set(1 if reason in found else 0)
