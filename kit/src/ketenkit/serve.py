"""Serving a service's app with uvicorn, logging stable event names."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI

from contracts.privacy import mask_text
from ketenkit.settings import WebSettings


class MaskingFormatter(logging.Formatter):
    """Every formatted line (tracebacks and uvicorn's access lines too) with BSNs masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


def configure_logging() -> None:
    """One handler on the root logger, masking; uvicorn's loggers propagate to it."""
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def serve(app: FastAPI, settings: WebSettings) -> None:
    """Run until SIGINT/SIGTERM; uvicorn then runs the lifespan's shutdown (drain, commit)."""
    configure_logging()
    # aiokafka's DEBUG lines print whole keys and values, which on feeds.* hold BSNs.
    logging.getLogger("aiokafka").setLevel(max(logging.INFO, logging.getLogger().level))
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level="info",
        log_config=None,  # keep the masking root handler instead of uvicorn's own
        # The client's address (the registry's rate limit per address) through trusted proxies.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=30,
    )
