"""Ingest's business metrics (SPEC section 9), in one place. No label holds personal data."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.deliveries = Counter(
            "ingest_deliveries_total",
            "Deliveries reaching a status.",
            ["status"],
            registry=registry,
        )
        self.extensions_dropped = Counter(
            "ingest_extensions_dropped_total",
            "CloudEvents extension attributes on feed events that go no further (all but the "
            "trace context), by source; their names are not labels (a sender chooses them).",
            ["source"],
            registry=registry,
        )
        self.records = Counter(
            "ingest_records_total",
            "Records read, by source and outcome (accepted, rejected).",
            ["source", "outcome"],
            registry=registry,
        )
        self.validation_errors = Counter(
            "ingest_validation_errors_total",
            "Validation errors by source and error code.",
            ["source", "code"],
            registry=registry,
        )
        self.deadletters = Counter(
            "ingest_deadletters_total",
            "Feed events sent to deadletter.v1, by source and reason.",
            ["source", "reason"],
            registry=registry,
        )
        self.overdue = Gauge(
            "ingest_deliveries_overdue",
            "Municipality-quarters without a released delivery or nil return after the due date.",
            registry=registry,
        )
        self.overdue_by_quarter = Gauge(
            "ingest_deliveries_overdue_by_quarter",
            "Municipalities without a release or nil return for the quarter, after its due date.",
            ["quarter"],
            registry=registry,
        )
        self.latest_quarter_overdue = Gauge(
            "ingest_deliveries_latest_quarter_overdue",
            "Municipalities overdue for the quarter whose due date passed last (the actionable "
            "figure: older quarters are the sum of history).",
            ["quarter"],
            registry=registry,
        )
        self.latest_quarter_days_past_due = Gauge(
            "ingest_deliveries_latest_quarter_days_past_due",
            "Days since the due date of the quarter whose due date passed last.",
            ["quarter"],
            registry=registry,
        )
