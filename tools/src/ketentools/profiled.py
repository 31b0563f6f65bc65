"""Run a service under cProfile and write its profile when it stops (``make bench`` with
``BENCH_PROFILE=<folder>``): ``python -m ketentools.profiled <out.prof> <module>``.

uvicorn re-raises SIGTERM after its graceful shutdown, which would end the process before
``python -m cProfile`` writes anything; the handler installed here (which uvicorn restores
before re-raising) writes the profile first.
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys
from types import FrameType


def main() -> None:
    out, module = sys.argv[1], sys.argv[2]
    profiler = cProfile.Profile()

    def stop(_signal: int, _frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(out)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    sys.argv = [module]
    profiler.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()
