"""The registry's business metrics (SPEC section 9), refreshed from the store after changes."""

from __future__ import annotations

from collections import Counter
from typing import get_args

from prometheus_client import CollectorRegistry, Gauge

from registry.domain.contact import Role, Status


class RegistryMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.contacts = Gauge(
            "registry_contacts",
            "Registered contact persons by status and role.",
            ["status", "role"],
            registry=registry,
        )
        self.without_contact = Gauge(
            "registry_municipalities_without_contact",
            "Municipalities valid today without an active primary contact.",
            registry=registry,
        )

    def update(self, counts: Counter[tuple[str, str]], without: int) -> None:
        for status in get_args(Status):
            for role in get_args(Role):
                self.contacts.labels(status, role).set(counts.get((status, role), 0))
        self.without_contact.set(without)
