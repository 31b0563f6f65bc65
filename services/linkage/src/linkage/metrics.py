"""Linkage's business metrics (SPEC section 9), in one place. No label holds personal data."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class LinkageMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter(
            "linkage_events_total",
            "records.* events by source and outcome (applied, duplicate, id_reused, out_of_scope, "
            "rejected).",
            ["source", "outcome"],
            registry=registry,
        )
        self.emitted = Counter(
            "linkage_records_emitted_total",
            "Monitoring records emitted, by kind (record, tombstone).",
            ["kind"],
            registry=registry,
        )
        self.pending = Gauge(
            "linkage_records_pending", "Persons known but not complete.", registry=registry
        )
        self.pending_oldest = Gauge(
            "linkage_pending_oldest_age_seconds",
            "Age of the oldest pending person.",
            registry=registry,
        )
        self.incomplete = Gauge(
            "linkage_records_incomplete",
            "Persons pending longer than the grace period.",
            registry=registry,
        )
        self.conflicts = Counter(
            "linkage_conflicts_total",
            "Emitted records whose sources disagree, by field.",
            ["field"],
            registry=registry,
        )
        self.lag = Histogram(
            "linkage_event_lag_seconds",
            "From the source event's ce_time to the record's emission.",
            registry=registry,
            buckets=(
                0.05,
                0.1,
                0.25,
                0.5,
                1,
                2.5,
                5,
                10,
                30,
                60,
                300,
                900,
                3600,
                86400,
                float("inf"),
            ),
        )
