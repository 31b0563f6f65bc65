"""Composition root of the registry service: the only place that wires concrete parts together."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI

from contracts import ContactState
from contracts.topics import REGISTRY_CONTACTS
from ketenkit import ServiceRuntime, create_http_app
from registry.adapters.rate_limit import RateLimiter
from registry.adapters.tables import TABLES
from registry.config import Settings
from registry.entrypoints.http import RegistryContext, build_router, install_error_handlers
from registry.metrics import RegistryMetrics
from registry.service import queries
from registry.service.unit_of_work import SqlUnitOfWork

TITLE = "Ketenmonitor registry"
DESCRIPTION = "The register of each municipality's contact person for civic integration data."


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing is started until its lifespan runs."""
    settings = settings or Settings()
    runtime = ServiceRuntime.create(settings, tables=TABLES)
    topic = settings.topic(REGISTRY_CONTACTS.name)
    runtime.broker.publisher(
        topic,
        title=topic,
        description="Full state of a contact after every change (key: contact id; compacted). "
        "Published through the outbox.",
        schema=ContactState,
    )
    metrics = RegistryMetrics(runtime.registry)

    def unit_of_work() -> SqlUnitOfWork:
        return SqlUnitOfWork(runtime.db, runtime.relay, topic=topic)

    async def refresh_metrics() -> None:
        counts = await queries.contact_counts(unit_of_work())
        coverage = await queries.coverage_figures(unit_of_work(), today=date.today())
        metrics.update(counts, len(coverage.without_active_primary))

    runtime.on_start.append(refresh_metrics)
    assert (
        settings.admin_token is not None
    )  # settings make one up in dev, require one in production
    context = RegistryContext(
        uow=unit_of_work,
        admin_token=settings.admin_token.get_secret_value(),
        after_change=refresh_metrics,
        registrations=RateLimiter(settings.registration_rate_per_minute or 0),
    )
    app = create_http_app(
        runtime, title=TITLE, description=DESCRIPTION, routers=[build_router(context)]
    )
    install_error_handlers(app)
    return app
