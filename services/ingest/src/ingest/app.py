"""Composition root of the ingest service: the only place that wires concrete parts together."""

from __future__ import annotations

from fastapi import FastAPI

from ingest.config import Settings
from ketenkit import ServiceRuntime, create_http_app

TITLE = "Ketenmonitor ingest"
DESCRIPTION = "Municipal deliveries over HTTP; validates and pseudonymises the COA and DUO feeds."


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing is started until its lifespan runs."""
    settings = settings or Settings()
    runtime = ServiceRuntime.create(settings)
    return create_http_app(runtime, title=TITLE, description=DESCRIPTION)
