"""Background jobs of a service (metric refreshes, sweeps): run every so often, never silently.

A job that fails (a database away for a moment) is logged with its exception's type and run
again at the next tick; only cancellation (the service stopping) ends the loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


async def run_every(seconds: float, job: Job, *, name: str, first_delay: float = 0.0) -> None:
    """Run ``job`` now (after ``first_delay``) and then every ``seconds``, logging failures."""
    await asyncio.sleep(first_delay)
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning(
                "background_job_failed",
                extra={"job": name, "error": type(exc).__name__},
                exc_info=exc,
            )
        await asyncio.sleep(seconds)
