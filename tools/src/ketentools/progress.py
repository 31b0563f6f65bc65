"""Progress of long work (``make bench``, ``make simulate``, the large delivery): the stage, and
a bar with counts and rate on a terminal; plain lines (every tenth, and the end) when not.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm


def stage(name: str, *, out: TextIO | None = None) -> None:
    """Say which stage starts (on standard error: the results go to standard output)."""
    print(f"== {name}", file=out or sys.stderr, flush=True)


class Progress:
    """Counts towards ``total``; a tqdm bar on a terminal, else a line every 10% and at the end."""

    def __init__(self, what: str, total: int, *, out: TextIO | None = None) -> None:
        self.what = what
        self.total = max(total, 1)
        self.out = out or sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self._printed = -1
        self._tenths = 1  # the next line is due at this many tenths (integers: no drift)
        self._bar = (
            tqdm(total=total, desc=what, unit="ev", file=self.out, smoothing=0.1)
            if self.out.isatty()
            else None
        )

    def update_to(self, done: int) -> None:
        """The count so far (it may jump: e.g. a topic's size read now and then)."""
        done = min(done, self.total)
        if self._bar is not None:
            self._bar.update(done - self.done)
        else:
            crossed = False
            while self._tenths <= 10 and done * 10 >= self._tenths * self.total:
                self._tenths += 1
                crossed = True
            if crossed:  # one line, however many tenths one jump crossed
                self._line(done)
        self.done = done

    def advance(self, count: int = 1) -> None:
        self.update_to(self.done + count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._printed != self.done:
            self._line(self.done)

    def _line(self, done: int) -> None:
        self._printed = done
        seconds = max(time.monotonic() - self.started, 1e-9)
        print(
            f"   {self.what}: {done:,}/{self.total:,} ({100 * done / self.total:.0f}%), "
            f"{done / seconds:,.0f}/s",
            file=self.out,
            flush=True,
        )


@contextmanager
def progress(what: str, total: int, *, out: TextIO | None = None) -> Iterator[Progress]:
    shown = Progress(what, total, out=out)
    try:
        yield shown
    finally:
        shown.close()
