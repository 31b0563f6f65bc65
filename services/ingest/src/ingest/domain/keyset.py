"""A set of 64-bit keys in about 8 bytes per key, for the persons seen in one delivery.

A Python ``set`` of ints costs about 60 bytes per key: 200 MB for the 3.5 million rows of a
200 MB delivery file. Here a small set takes new keys and is flushed, when full, into sorted
``array('Q')`` runs; runs of similar size are merged (as in an LSM tree), so there are only a
few to search and every key is copied a logarithmic number of times.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from heapq import merge


class KeySet:
    """Membership and insertion of unsigned 64-bit ints with compact storage."""

    def __init__(self, buffer: int = 1 << 15) -> None:
        self._buffer = buffer
        self._recent: set[int] = set()
        self._runs: list[array[int]] = []  # each sorted; sizes decrease along the list

    def __contains__(self, key: int) -> bool:
        if key in self._recent:
            return True
        for run in self._runs:
            at = bisect_left(run, key)
            if at < len(run) and run[at] == key:
                return True
        return False

    def add(self, key: int) -> None:
        """Add a key; callers check membership first (adding one again only costs space)."""
        self._recent.add(key)
        if len(self._recent) >= self._buffer:
            self._flush()

    def _flush(self) -> None:
        run = array("Q", sorted(self._recent))
        self._recent = set()
        while self._runs and len(self._runs[-1]) <= 2 * len(run):
            run = array("Q", merge(self._runs.pop(), run))
        self._runs.append(run)
