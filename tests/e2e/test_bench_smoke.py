"""`make bench` works (a tiny run on the session's broker); its speed is not tested here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_bench_runs_and_writes_every_figure(kafka_bootstrap: str, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ketentools.bench",
            "--scale",
            "0.002",
            "--latency-events",
            "40",
            "--rate",
            "100",
            "--delivery-mb",
            "0.5",
            "--out",
            str(out),
        ],
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())
    for key in (
        "raw_passthrough_events_per_s",
        "ingest_ratio",
        "linkage_sqlite_ratio",
        "linkage_postgres_ratio",
        "national_year",
        "linkage_peak_rss_mb",
        "large_delivery",
    ):
        assert key in figures, key
    assert figures["large_delivery"]["rows"] == figures["large_delivery"]["valid"] > 5000
    assert any(key.startswith("e2e_latency_at_") for key in figures)
