"""The portal's metrics: logins, forms, and how the services behind it answer (no BSN, no
token and no contact in any label)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class PortalMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.logins = Counter(
            "portal_logins_total",
            "Sign-ins by the role they opened, or refused.",
            ["outcome"],
            registry=registry,
        )
        self.sessions_ended = Counter(
            "portal_sessions_ended_total",
            "Sessions ended, by reason (expired, token_revoked, signed_out).",
            ["reason"],
            registry=registry,
        )
        self.csrf_refused = Counter(
            "portal_csrf_refused_total",
            "Forms refused for a missing or wrong CSRF token or a foreign origin.",
            registry=registry,
        )
        self.registrations = Counter(
            "portal_registrations_total", "Registrations sent to the registry.", registry=registry
        )
        self.uploads = Counter(
            "portal_uploads_total",
            "Deliveries passed on to ingest, by kind.",
            ["kind"],
            registry=registry,
        )
        self.releases = Counter(
            "portal_releases_total", "Releases passed on to ingest.", registry=registry
        )
        self.upstream = Counter(
            "portal_upstream_requests_total",
            "Calls to the other services by service and outcome (ok, refused, server_error, "
            "unreachable).",
            ["service", "outcome"],
            registry=registry,
        )
