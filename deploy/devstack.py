"""`make run`: the local stack on this machine: Kafka, the services that have landed, and URLs.

Starts the local Kafka (data under .data/kafka), creates the topics, starts each service as its
own process (SQLite stores under .data/), waits until each is ready, prints what to open, and
stops everything it started on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from contracts import create_topics
from ketenkit.local_kafka import LocalKafka

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".data"
SERVICES = {"registry": 8001, "ingest": 8002, "linkage": 8003}


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


def main() -> int:
    DATA.mkdir(exist_ok=True)
    admin_token = os.environ.get("KETENMONITOR_ADMIN_TOKEN") or secrets.token_urlsafe(32)
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
                "KETENMONITOR_HTTP_PORT": str(port),
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
            print(f"{name:9} http://127.0.0.1:{port}/docs  (log: .data/{name}.log)", flush=True)
        print(f"\nadmin token (dev mode): {admin_token}", flush=True)
        print("Try the curl lines in README.md. Ctrl-C stops everything.", flush=True)
        while all(p.poll() is None for p in processes.values()):
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
