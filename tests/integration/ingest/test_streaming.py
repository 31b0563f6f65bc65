"""A large delivery is streamed: 500,000 rows validated with bounded memory."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

from tests.helpers import eventually_sync

from .conftest import Ingest

ROWS = 500_000
WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
ROWS = int(os.environ.get("KETENMONITOR_TEST_STREAM_ROWS", ROWS))
MEMORY_BOUND = 200 * 1024 * 1024  # generous: the file is ~35 MB and is never held whole
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakRss(threading.Thread):
    """Samples this process's resident memory while the upload runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.baseline = rss()
        self.peak = self.baseline
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, rss())


def bsn(n: int) -> str:
    """The n-th valid BSN (skipping prefixes without a check digit)."""
    while True:
        first = f"{n + 10_000_000:08d}"
        check = sum(int(d) * w for d, w in zip(first, WEIGHTS, strict=True)) % 11
        if check <= 9:
            return first + str(check)
        n += 50_000_000  # a prefix outside the range used by the other rows


def body() -> Iterator[bytes]:
    yield b"bsn;gemeentecode;doelgroep;datum_inschrijving_brp;datum_eerste_pip;leerroute\n"
    chunk: list[str] = []
    for n in range(ROWS):
        chunk.append(f"{bsn(n)};GM0344;gezinsmigrant;2025-01-06;2025-03-10;b1\n")
        if len(chunk) == 5000:
            yield "".join(chunk).encode()
            chunk = []
    yield "".join(chunk).encode()


def test_half_a_million_rows_stream_with_bounded_memory(ingest_sqlite: Ingest) -> None:
    ingest = ingest_sqlite
    _, token = ingest.contact("GM0344")
    sampler = PeakRss()
    sampler.start()
    started = time.monotonic()
    response = ingest.client.post(
        "/v1/deliveries",
        params={"municipality": "GM0344", "quarter": "2025-Q2"},
        content=body(),
        headers={**ingest.auth(token), "content-type": "text/csv"},
    )
    answered = time.monotonic() - started
    assert response.status_code == 202, response.text
    # The answer comes once the body is stored; validation goes on and is polled (SPEC 11).
    assert response.json()["status"] in {"received", "validated"}
    url = f"/v1/deliveries/{response.json()['delivery_id']}"
    done = eventually_sync(
        lambda: (
            (d := ingest.client.get(url, headers=ingest.auth(token)).json())["status"] != "received"
            and d
        ),
        timeout=600,
        interval=0.5,
        message="validated",
    )
    seconds = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    growth = sampler.peak - sampler.baseline
    assert done["status"] == "validated"
    assert done["counts"]["rows"] == ROWS
    print(f"\nanswered after {answered:.1f}s", end="")
    print(f"\n{ROWS} rows: {seconds:.1f}s, resident memory grew by {growth / 2**20:.0f} MiB")
    assert growth < MEMORY_BOUND
