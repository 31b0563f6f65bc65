"""A service a test (or the launcher) started dies with it, even when it is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

# Parent and child wait for a signal (signal.pause), not for a time.
PARENT = """
import signal, subprocess, sys
from ketenkit.local_kafka import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"],
                         preexec_fn=die_with_parent)
print(child.pid, flush=True)
signal.pause()
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped by init) counts as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_a_child_started_with_die_with_parent_ends_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for the kernel's signal, not a fixed wait
    assert not alive(child)
