"""`make run`: the whole stack on this machine, with a demo load.

Starts the local Kafka (data under .data/kafka), creates the topics, starts each service as its
own process (SQLite stores under .data/), starts Prometheus when it is installed, loads a small
synthetic demo through the real interfaces (once per .data folder), prints the URLs, the admin
token and the monitor table, and stops everything it started on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from contracts import create_topics
from ketenkit.local_kafka import LocalKafka
from ketentools.demo import load_demo, print_table

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / ".data"
SERVICES = {"registry": 8001, "ingest": 8002, "linkage": 8003}
PORTAL_PORT = 8000


def start_portal() -> subprocess.Popen[bytes]:
    """The portal in front of the three services (it keeps only its visitors' sessions)."""
    env = {
        **os.environ,
        "KETENMONITOR_HTTP_PORT": str(PORTAL_PORT),
        "KETENMONITOR_DATA_DIR": str(DATA),
        "KETENMONITOR_DATABASE_URL": f"sqlite+aiosqlite:///{DATA / 'portal.db'}",
        **{f"KETENMONITOR_{n.upper()}_URL": f"http://127.0.0.1:{p}" for n, p in SERVICES.items()},
    }
    for secret in ("KETENMONITOR_ADMIN_TOKEN", "KETENMONITOR_READER_TOKEN"):
        env.pop(secret, None)  # the portal holds no token of its own
    log = (DATA / "portal.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "portal"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )


def wait_ready(name: str, port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited at start; see {DATA / (name + '.log')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{name} was not ready within {timeout}s; see {DATA / (name + '.log')}")


def start_prometheus(processes: dict[str, subprocess.Popen[bytes]]) -> bool:
    """Prometheus with the project's config, pointed at the local ports (when installed)."""
    binary = shutil.which("prometheus")
    if binary is None:
        print(
            "prometheus is not installed; to watch the metrics: sudo apt-get install prometheus",
            flush=True,
        )
        return False
    folder = DATA / "prometheus"
    folder.mkdir(exist_ok=True)
    source = ROOT / "deploy" / "prometheus"
    config = yaml.safe_load((source / "prometheus.yml").read_text())
    for job in config["scrape_configs"]:
        port = {**SERVICES, "portal": PORTAL_PORT}[job["job_name"]]
        job["static_configs"] = [{"targets": [f"127.0.0.1:{port}"]}]
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    shutil.copy(source / "alerts.yml", folder / "alerts.yml")
    log = (DATA / "prometheus.log").open("ab")
    processes["prometheus"] = subprocess.Popen(  # noqa: S603
        [
            binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            "--web.listen-address=127.0.0.1:9090",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return True


def main() -> int:
    DATA.mkdir(exist_ok=True)
    admin_token = os.environ.get("KETENMONITOR_ADMIN_TOKEN") or secrets.token_urlsafe(32)
    reader_token = os.environ.get("KETENMONITOR_READER_TOKEN") or secrets.token_urlsafe(32)
    kafka = LocalKafka(port=int(os.environ.get("KAFKA_PORT", "9092")), data_dir=DATA / "kafka")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        bootstrap = kafka.start()
        print(f"Kafka {kafka.version} (KRaft, local JVM) on {bootstrap}", flush=True)
        asyncio.run(create_topics(bootstrap))
        for name, port in SERVICES.items():
            env = {
                **os.environ,
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "KETENMONITOR_ADMIN_TOKEN": admin_token,
                "KETENMONITOR_READER_TOKEN": reader_token,
                "KETENMONITOR_HTTP_PORT": str(port),
                "KETENMONITOR_DATA_DIR": str(DATA),
                # With OTEL_TRACES_EXPORTER=console the spans go to .data/traces-<service>.jsonl.
                "KETENMONITOR_TRACE_FILE": str(DATA / f"traces-{name}.jsonl"),
                "KETENMONITOR_DATABASE_URL": os.environ.get(
                    f"KETENMONITOR_{name.upper()}_DATABASE_URL",
                    f"sqlite+aiosqlite:///{DATA / (name + '.db')}",
                ),
            }
            log = (DATA / f"{name}.log").open("ab")
            processes[name] = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", name],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        for name, port in SERVICES.items():
            wait_ready(name, port, processes[name])
        processes["portal"] = start_portal()
        wait_ready("portal", PORTAL_PORT, processes["portal"])
        print(f"\nportal    http://127.0.0.1:{PORTAL_PORT}  (log: .data/portal.log)", flush=True)
        for name, port in SERVICES.items():
            print(f"{name:9} http://127.0.0.1:{port}/docs  (log: .data/{name}.log)", flush=True)
        prometheus = start_prometheus(processes)
        marker = DATA / "demo.loaded"
        if not marker.exists():
            print(
                "loading the demo: contacts, a quarter per municipality, COA and DUO events ...",
                flush=True,
            )
            table = load_demo(
                urls={n: f"http://127.0.0.1:{p}" for n, p in SERVICES.items()},
                admin_token=admin_token,
                bootstrap=bootstrap,
            )
            marker.write_text("loaded\n")
            print_table(table)
        if prometheus:
            print("prometheus http://127.0.0.1:9090", flush=True)
        print(f"\nportal    http://127.0.0.1:{PORTAL_PORT}", flush=True)
        print(f"admin token (dev mode; the portal's Beheer): {admin_token}", flush=True)
        print(f"reader token (dev mode; the portal's Monitor): {reader_token}", flush=True)
        print("Try the curl lines in README.md. Ctrl-C stops everything.", flush=True)
        while all(processes[name].poll() is None for name in [*SERVICES, "portal"]):
            time.sleep(1)
        print("a service stopped; stopping the rest", flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        kafka.stop()


if __name__ == "__main__":
    raise SystemExit(main())
