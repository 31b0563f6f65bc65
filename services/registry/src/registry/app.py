"""Composition root of the registry service: the only place that wires concrete parts together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import FastAPI

from contracts import ContactState
from contracts.topics import REGISTRY_CONTACTS
from ketenkit import ServiceRuntime, create_http_app
from ketenkit.rate_limit import RateLimiter
from registry.adapters.tables import TABLES
from registry.config import Settings
from registry.entrypoints.http import RegistryContext, build_router
from registry.metrics import RegistryMetrics
from registry.service import queries
from registry.service.unit_of_work import SqlUnitOfWork

TITLE = "Ketenmonitor registry"
DESCRIPTION = "The register of each municipality's contact person for civic integration data."


def create_app(
    settings: Settings | None = None, *, today: Callable[[], date] = date.today
) -> FastAPI:
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

    shown: list[date] = []  # the day the coverage gauge was computed for

    async def refresh_metrics() -> None:
        day = today()
        counts = await queries.contact_counts(unit_of_work())
        coverage = await queries.coverage_figures(unit_of_work(), today=day)
        metrics.update(counts, len(coverage.without_active_primary))
        shown[:] = [day]

    async def refresh_on_a_new_day() -> None:
        # Municipalities come and go at midnight (mergers on 1 January): the gauge follows
        # without a restart or a change to the register.
        if not shown or shown[0] != today():
            await refresh_metrics()

    runtime.on_start.append(refresh_metrics)
    runtime.every(
        settings.metrics_refresh_seconds,
        refresh_on_a_new_day,
        name="coverage-on-a-new-day",
        first_delay=settings.metrics_refresh_seconds,
    )
    assert (
        settings.admin_token is not None
    )  # settings make one up in dev, require one in production
    context = RegistryContext(
        uow=unit_of_work,
        admin_token=settings.admin_token.get_secret_value(),
        today=today,
        after_change=refresh_metrics,
        registrations=RateLimiter(settings.registration_rate_per_minute or 0),
    )
    app = create_http_app(
        runtime, title=TITLE, description=DESCRIPTION, routers=[build_router(context)]
    )
    return app
