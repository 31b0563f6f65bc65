"""``ketenmonitor rebuild linkage``: linkage built again from the log, and compared.

``records.*`` keep their events without a time limit: they are the pseudonymised system of
record. A rebuild starts a linkage process on an empty store of its own, under a consumer group
of its own (``linkage.records.<name>``), publishing nothing; it consumes ``records.*`` from the
beginning, and once it has caught up its monitor and pending figures are compared with the
running instance's. After a change of merge rules the differences are the change's effect;
without one there are none. Compare while the chain is quiet: events arriving meanwhile reach
the two at different moments.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date

from contracts import CATALOGUE
from ketentools.demo import call

LAG = re.compile(r"^ketenmonitor_consumer_lag_messages\{[^}]*\} ([0-9.e+]+)$", re.M)
RECORD_PARTITIONS = sum(t.partitions for t in CATALOGUE if t.name.startswith("records."))
GROUPINGS = ("cohort,doelgroep", "cohort,provincie", "cohort,leerroute")


@dataclass
class Comparison:
    equal: bool
    lines: list[str]


def _metrics(url: str) -> str:
    try:
        with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:  # noqa: S310
            text: str = response.read().decode()
            return text
    except OSError:
        return ""


def caught_up(url: str) -> bool:
    """Every records.* partition assigned and nothing left behind the committed offsets."""
    lags = [float(v) for v in LAG.findall(_metrics(url))]
    return len(lags) >= RECORD_PARTITIONS and not any(lags)


def compare(running: str, rebuilt: str, token: str, as_of: list[date]) -> Comparison:
    lines, equal = [], True
    for day in as_of:
        for by in GROUPINGS:
            query = f"/v1/monitor?as_of={day.isoformat()}&by={by}"
            a, b = call("GET", running + query, token), call("GET", rebuilt + query, token)
            same = a["rows"] == b["rows"]
            equal &= same
            lines.append(f"monitor as of {day} by {by}: {'equal' if same else 'DIFFERENT'}")
    pending = "/v1/pending?older_than_days=0&limit=100000"
    a_pending = {p["pseudonym"] for p in call("GET", running + pending, token)}
    b_pending = {p["pseudonym"] for p in call("GET", rebuilt + pending, token)}
    same = a_pending == b_pending
    equal &= same
    lines.append(
        f"pending persons: {len(a_pending)} running, {len(b_pending)} rebuilt: "
        + ("equal" if same else "DIFFERENT")
    )
    return Comparison(equal, lines)


def rebuild_linkage(
    *,
    database_url: str,
    port: int,
    running: str,
    token: str,
    bootstrap: str,
    topic_prefix: str,
    timeout: float,
    as_of: list[date],
    environ: dict[str, str] | None = None,
) -> Comparison:
    name = time.strftime("rebuild-%Y%m%d-%H%M%S")
    env = {
        **(environ if environ is not None else os.environ),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KETENMONITOR_TOPIC_PREFIX": topic_prefix,
        "KETENMONITOR_DATABASE_URL": database_url,
        "KETENMONITOR_HTTP_PORT": str(port),
        "KETENMONITOR_ADMIN_TOKEN": token,
        "KETENMONITOR_REBUILD": name,
        "KETENMONITOR_LAG_POLL_SECONDS": "1",
    }
    rebuilt = f"http://127.0.0.1:{port}"
    print(f"rebuilding linkage into {database_url} (consumer group linkage.records.{name})")
    process = subprocess.Popen([sys.executable, "-m", "linkage"], env=env)
    try:
        deadline = time.monotonic() + timeout
        settled = 0
        while settled < 3:  # caught up three samples in a row
            if process.poll() is not None:
                raise SystemExit(f"the rebuilding linkage stopped (exit {process.returncode})")
            if time.monotonic() > deadline:
                raise SystemExit(f"the rebuild did not catch up within {timeout:.0f} s")
            settled = settled + 1 if caught_up(rebuilt) else 0
            time.sleep(1)
        return compare(running, rebuilt, token, as_of)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
