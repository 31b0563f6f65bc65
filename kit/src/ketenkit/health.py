"""``/health/live`` and ``/health/ready``: ready means the broker and the database answer.

Ready is 503 only while the broker or the database is away; a service that works but with a
stalled outbox or a consumer far behind stays 200 and says ``"status": "degraded"`` and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[bool]]


def health_router(
    checks: Mapping[str, Check], *, degraded: Callable[[], dict[str, str]] = dict
) -> APIRouter:
    """``checks``: the dependencies without which the service cannot work, by name."""
    router = APIRouter(prefix="/health", tags=["health"])
    names = list(checks)

    @router.get("/live", summary="The process is running")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get(
        "/ready",
        summary="The service's dependencies (broker, database) answer",
        responses={503: {"description": "A dependency is not reachable"}},
    )
    async def ready() -> JSONResponse:
        results = await asyncio.gather(*(checks[name]() for name in names))
        states = {name: "up" if ok else "down" for name, ok in zip(names, results, strict=True)}
        if not all(results):
            return JSONResponse({"status": "not_ready", "checks": states}, status_code=503)
        reasons = degraded()
        if reasons:
            body = {"status": "degraded", "checks": states, "degraded": reasons}
            return JSONResponse(body, status_code=200)
        return JSONResponse({"status": "ready", "checks": states}, status_code=200)

    return router
