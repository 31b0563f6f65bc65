"""``/health/live`` and ``/health/ready``: ready means the broker and the database answer.

Ready is 503 only while the broker or the database is away; a service that works but with a
stalled outbox or a consumer far behind stays 200 and says ``"status": "degraded"`` and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker

from ketenkit.db import Database


def health_router(
    broker: KafkaBroker,
    db: Database,
    *,
    timeout: float = 2.0,
    degraded: Callable[[], dict[str, str]] = dict,
) -> APIRouter:
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live", summary="The process is running")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get(
        "/ready",
        summary="Broker connected and database reachable",
        responses={503: {"description": "A dependency is not reachable"}},
    )
    async def ready() -> JSONResponse:
        broker_ok, db_ok = await asyncio.gather(broker.ping(timeout), db.ping())
        checks = {"kafka": "up" if broker_ok else "down", "database": "up" if db_ok else "down"}
        if not (broker_ok and db_ok):
            return JSONResponse({"status": "not_ready", "checks": checks}, status_code=503)
        reasons = degraded()
        if reasons:
            body = {"status": "degraded", "checks": checks, "degraded": reasons}
            return JSONResponse(body, status_code=200)
        return JSONResponse({"status": "ready", "checks": checks}, status_code=200)

    return router
