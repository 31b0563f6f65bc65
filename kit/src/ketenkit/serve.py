"""Serving a service's app with uvicorn, logging stable event names."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI

from ketenkit.settings import ServiceSettings


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run until SIGINT/SIGTERM; uvicorn then runs the lifespan's shutdown (drain, commit)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # aiokafka's DEBUG lines print whole keys and values, which on feeds.* hold BSNs.
    logging.getLogger("aiokafka").setLevel(max(logging.INFO, logging.getLogger().level))
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level="info",
        timeout_graceful_shutdown=30,
    )
