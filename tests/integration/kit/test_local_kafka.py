"""The local launcher leaves no broker behind, even when its parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import signal
from ketenkit.local_kafka import LocalKafka
kafka = LocalKafka()
kafka.start()
print(kafka.process.pid, flush=True)
signal.pause()  # until the test kills this process
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_broker_dies_with_a_killed_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    java_pid = int(parent.stdout.readline())
    assert alive(java_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while alive(java_pid) and time.monotonic() < deadline:
        time.sleep(0.2)  # polling a process table with a deadline
    assert not alive(java_pid), "the JVM outlived its parent"
