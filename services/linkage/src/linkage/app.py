"""Composition root of the linkage service: the only place that wires concrete parts together."""

from __future__ import annotations

from fastapi import FastAPI

from ketenkit import ServiceRuntime, create_http_app
from linkage.config import Settings

TITLE = "Ketenmonitor linkage"
DESCRIPTION = "Joins municipal, COA and DUO records per person; serves the monitor figures."


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing is started until its lifespan runs."""
    settings = settings or Settings()
    runtime = ServiceRuntime.create(settings)
    return create_http_app(runtime, title=TITLE, description=DESCRIPTION)
