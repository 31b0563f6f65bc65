"""A real Prometheus scrapes the running services with the project's config."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from ketenkit.local_kafka import free_port
from tests.helpers import eventually_sync

from .conftest import Portal, Stack

ROOT = Path(__file__).parents[2]
PROMETHEUS = shutil.which("prometheus")


def api(port: int, path: str, **query: str) -> Any:
    url = f"http://127.0.0.1:{port}/api/v1/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return json.loads(response.read())["data"]
    except OSError:
        return None


@pytest.mark.skipif(
    PROMETHEUS is None,
    reason="prometheus is not installed (apt-get install prometheus; .ci/run does it)",
)
def test_prometheus_scrapes_every_service_and_sees_business_metrics(
    stack: Stack, portal: Portal, tmp_path: Path
) -> None:
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    config["global"]["scrape_interval"] = "1s"
    ports = {**stack.ports, "portal": int(portal.url.rsplit(":", 1)[-1])}
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [f"127.0.0.1:{ports[job['job_name']]}"]}]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    shutil.copy(ROOT / "deploy" / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    port = free_port()
    assert PROMETHEUS is not None
    server = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def all_up() -> bool:
            targets = api(port, "targets")
            health = {
                t["labels"]["job"]: t["health"] for t in (targets or {}).get("activeTargets", [])
            }
            return health == {"registry": "up", "ingest": "up", "linkage": "up", "portal": "up"}

        eventually_sync(all_up, timeout=60, interval=0.5, message="every target up")
        result = eventually_sync(
            lambda: (api(port, "query", query="registry_municipalities_without_contact") or {}).get(
                "result"
            ),
            timeout=30,
            interval=0.5,
            message="business metric scraped",
        )
        request = urllib.request.Request(  # noqa: S310
            f"{stack.url('registry')}/v1/coverage",
            headers={"Authorization": f"Bearer {stack.admin_token}"},
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310
            coverage = json.loads(response.read())
        assert float(result[0]["value"][1]) == len(coverage["without_active_primary"])
        overdue = eventually_sync(
            lambda: (api(port, "query", query="ingest_deliveries_overdue") or {}).get("result"),
            timeout=30,
            interval=0.5,
            message="overdue gauge scraped",
        )
        assert float(overdue[0]["value"][1]) > 0
        # The actionable figures the alert reads are scraped too, labelled by quarter.
        latest = eventually_sync(
            lambda: (
                api(port, "query", query="ingest_deliveries_latest_quarter_days_past_due") or {}
            ).get("result"),
            timeout=30,
            interval=0.5,
            message="latest quarter scraped",
        )
        assert latest[0]["metric"]["quarter"].count("-Q") == 1
        rules = api(port, "rules")
        assert {r["name"] for g in rules["groups"] for r in g["rules"]} >= {
            "KetenmonitorServiceDown",
            "KetenmonitorLatestQuarterOverdue",
        }
    finally:
        server.terminate()
        server.wait(30)
