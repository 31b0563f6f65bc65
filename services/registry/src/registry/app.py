"""Composition root of the registry service: the only place that wires concrete parts together."""

from __future__ import annotations

from fastapi import FastAPI

from ketenkit import ServiceRuntime, create_http_app
from registry.config import Settings

TITLE = "Ketenmonitor registry"
DESCRIPTION = "The register of each municipality's contact person for civic integration data."


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing is started until its lifespan runs."""
    settings = settings or Settings()
    runtime = ServiceRuntime.create(settings)
    return create_http_app(runtime, title=TITLE, description=DESCRIPTION)
