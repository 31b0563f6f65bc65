"""Every Grafana expression uses a metric the running services really expose."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

from .conftest import SERVICES, Stack

ROOT = Path(__file__).parents[2]
METRIC = re.compile(r"\b((?:faststream|ingest|linkage|registry|ketenmonitor)_[a-z0-9_]+)")


def exposed(stack: Stack) -> set[str]:
    names: set[str] = set()
    for service in SERVICES:
        with urllib.request.urlopen(f"{stack.url(service)}/metrics") as response:  # noqa: S310
            text = response.read().decode()
        for name, kind in re.findall(r"^# TYPE (\S+) (\S+)", text, flags=re.M):
            names.add(name)
            if kind == "histogram":
                names.update({f"{name}_bucket", f"{name}_count", f"{name}_sum"})
            if kind == "counter" and not name.endswith("_total"):
                names.add(f"{name}_total")
    return names


def test_every_dashboard_expression_uses_exposed_metrics(demo: Stack) -> None:
    dashboard = json.loads(
        (ROOT / "deploy" / "grafana" / "dashboards" / "ketenmonitor.json").read_text()
    )
    names = exposed(demo)
    used = {
        m
        for panel in dashboard["panels"]
        for t in panel["targets"]
        for m in METRIC.findall(t["expr"])
    }
    assert used, "the dashboard has no expressions"
    assert used - names == set()
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in (
        "throughput",
        "dead letters",
        "lag",
        "pending",
        "coverage",
        "overdue",
        "validation",
        "percentiles",
    ):
        assert topic in titles
